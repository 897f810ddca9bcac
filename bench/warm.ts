// looptap's CPU per request once its code is warm: every path is one CLI process started at
// the beginning and kept, warmed with BENCH_WARM requests, then measured in BENCH_REPS rounds of
// BENCH_TX requests, the paths in turns inside each round (the order flips every round).
// bench/pg-cli.ts and bench/db.ts start a fresh process per run, so their figures include the
// JIT's warm-up, which in a 20,000 transaction run is a third of the total and swamps a change
// of a few µs. Workloads (BENCH_WORKLOAD): `pg` (pgbench -S -c 4 -j 2 on embedded PostgreSQL),
// `get`, `set`, `get16` (redis-benchmark -c 50, -P 16 for get16, on apt's redis-server). Bounded
// by counts under `timeout`, on 127.0.0.1. BENCH_VIEW=live runs the default live view instead of
// --quiet (stdout to a file: 0.1 prints every frame, this round a screenful per window);
// BENCH_VIEW=quiet,live runs both, for each checkout.
//
//   npm run build && node --import=@tapjs/typescript/import bench/warm.ts
//   (env: BENCH_WORKLOAD=pg BENCH_REPS=5 BENCH_TX=20000 BENCH_WARM=40000 BENCH_CAPTURE=1
//         BENCH_VIEW=quiet|live|quiet,live BENCH_BASE=/path/to/another/looptap, built)

import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  startPostgres,
  startRedis,
  pgbenchInit,
  pgbenchSelect,
  redisBenchmark,
} from './lib/servers.js';
import { startCli } from './lib/paths.js';
import { cpuSeconds } from './lib/proc.js';
import { median } from './lib/workloads.js';

const REPS = Number(process.env.BENCH_REPS ?? 5);
const TX = Number(process.env.BENCH_TX ?? 20_000);
const WARM = Number(process.env.BENCH_WARM ?? 40_000);
const ROOT = fileURLToPath(new URL('../', import.meta.url));
const BASE = process.env.BENCH_BASE?.replace(/\/?$/, '/');
const CAPTURE = process.env.BENCH_CAPTURE === '1';
const WORKLOAD = process.env.BENCH_WORKLOAD ?? 'pg';
const VIEWS = (process.env.BENCH_VIEW ?? 'quiet').split(',');
for (const v of VIEWS)
  if (v !== 'quiet' && v !== 'live')
    throw new Error(`BENCH_VIEW=${v}: use quiet, live or quiet,live`);
const REDIS: Record<string, ['get' | 'set', number]> = {
  get: ['get', 1],
  set: ['set', 1],
  get16: ['get', 16],
};
if (WORKLOAD !== 'pg' && !REDIS[WORKLOAD])
  throw new Error(`BENCH_WORKLOAD=${WORKLOAD}: use pg, get, set or get16`);

interface Path {
  name: string;
  child: ChildProcess;
  port: number;
  us: number[];
}

const server = WORKLOAD === 'pg' ? await startPostgres() : await startRedis();
/** the workload's `n` requests through port */
function load(port: number, n: number): void {
  const redis = REDIS[WORKLOAD];
  if (redis) redisBenchmark(port, redis[0], redis[1], n);
  else pgbenchSelect(port, { tx: n });
}
const captures: string[] = [];
const paths: Path[] = [];
try {
  if (WORKLOAD === 'pg') pgbenchInit(server.port);
  const roots: Array<[string, string]> = [
    ...(BASE ? [[BASE, BASE] as [string, string]] : []),
    [ROOT, 'this checkout'],
  ];
  for (const [root, label, view] of roots.flatMap(([r, l]) =>
    VIEWS.map((v): [string, string, string] => [r, l, v]),
  )) {
    const LIVE = view === 'live';
    const capture = join(tmpdir(), `looptap-bench-warm-${process.pid}-${paths.length}.jsonl`);
    captures.push(capture);
    const args = [
      ...(LIVE ? [] : ['--quiet']),
      '--target',
      String(server.port),
      ...(CAPTURE ? ['--capture', capture] : []),
    ];
    const out = capture.replace(/\.jsonl$/, '.out');
    if (LIVE) captures.push(out);
    const { child, port } = await startCli(root, args, LIVE ? out : undefined);
    const shown = LIVE ? 'live view' : '--quiet';
    paths.push({ name: `${label}: ${shown}${CAPTURE ? ' --capture' : ''}`, child, port, us: [] });
  }
  for (const p of paths) load(p.port, WARM);
  for (let rep = 0; rep < REPS; rep++) {
    const order = rep % 2 === 0 ? paths : [...paths].reverse();
    for (const p of order) {
      const before = cpuSeconds(p.child.pid!);
      load(p.port, TX);
      p.us.push(((cpuSeconds(p.child.pid!) - before) * 1e6) / TX);
    }
  }
} finally {
  for (const p of paths) p.child.kill('SIGINT');
  await Promise.all(
    paths.map(
      (p) => new Promise((r) => (p.child.exitCode !== null ? r(0) : p.child.once('exit', r))),
    ),
  );
  for (const c of captures) rmSync(c, { force: true });
  await server.stop();
}
const what = WORKLOAD === 'pg' ? 'pgbench -S -c 4 -j 2' : `redis-benchmark -c 50 ${WORKLOAD}`;
console.log(`${what}, warmed with ${WARM}, then ${REPS} rounds of ${TX} requests, medians`);
console.log('| path | µs CPU per request | x first path, per round | rounds |');
console.log('| --- | ---: | ---: | --- |');
for (const p of paths) {
  const ratios = p.us.map((u, i) => u / paths[0]!.us[i]!);
  console.log(
    `| ${p.name} | ${median(p.us).toFixed(1)} | ${median(ratios).toFixed(2)} | ${p.us.map((x) => x.toFixed(1)).join(', ')} |`,
  );
}
