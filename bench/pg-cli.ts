// looptap's CPU per pgbench -S transaction through the CLI, user and system apart, from /proc:
// `looptap --quiet` without and with a capture, `--decode raw`, and with BENCH_BASE the same
// paths of another checkout, each a fresh process, in turns, BENCH_REPS rounds. Bounded: pgbench
// -t (a count, not a time) under `timeout`, on an embedded PostgreSQL on 127.0.0.1.
//
//   npm run build && node --import=@tapjs/typescript/import bench/pg-cli.ts
//   (env: BENCH_REPS=3 BENCH_TX=40000 BENCH_BASE=/path/to/another/looptap, built)

import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPostgres, pgbenchInit, pgbenchSelect } from './lib/servers.js';
import { startCli } from './lib/paths.js';
import { median } from './lib/workloads.js';

const REPS = Number(process.env.BENCH_REPS ?? 3);
const TX = Number(process.env.BENCH_TX ?? 40_000);
const ROOT = fileURLToPath(new URL('../', import.meta.url));
const BASE = process.env.BENCH_BASE?.replace(/\/?$/, '/');

interface Path {
  name: string;
  root: string;
  flags: string[];
  user: number[];
  sys: number[];
}

/** user and system CPU seconds of a process so far (/proc ticks are 10 ms) */
function cpu(pid: number): { user: number; sys: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: Number(f[11]) / 100, sys: Number(f[12]) / 100 };
}

const capture = join(tmpdir(), `looptap-bench-pg-cli-${process.pid}.jsonl`);
const variants: Array<[string, string[]]> = [
  ['--quiet', []],
  ['--quiet --capture', ['--capture', capture]],
  ['--quiet --decode raw', ['--decode', 'raw']],
];
const paths: Path[] = [];
for (const [root, label] of [...(BASE ? [[BASE, BASE]] : []), [ROOT, 'this checkout']]) {
  for (const [name, flags] of variants)
    paths.push({ name: `${label}: ${name}`, root: root!, flags, user: [], sys: [] });
}

const pg = await startPostgres();
try {
  pgbenchInit(pg.port);
  for (let rep = 0; rep < REPS; rep++) {
    for (const p of paths) {
      rmSync(capture, { force: true });
      const args = ['--quiet', '--target', String(pg.port), ...p.flags];
      const { child, port } = await startCli(p.root, args);
      const before = cpu(child.pid!);
      pgbenchSelect(port, { tx: TX });
      const after = cpu(child.pid!);
      p.user.push(((after.user - before.user) * 1e6) / TX);
      p.sys.push(((after.sys - before.sys) * 1e6) / TX);
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGINT');
      await exited;
    }
  }
} finally {
  rmSync(capture, { force: true });
  await pg.stop();
}
console.log(`pgbench -S -c 4 -j 2, ${TX} transactions a run, ${REPS} runs in turns, medians`);
console.log('| path | µs CPU per transaction | user | system | runs (user + system) |');
console.log('| --- | ---: | ---: | ---: | --- |');
for (const p of paths) {
  const all = p.user.map((u, i) => u + p.sys[i]!);
  console.log(
    `| ${p.name} | ${median(all).toFixed(1)} | ${median(p.user).toFixed(1)} | ${median(p.sys).toFixed(1)} | ${all.map((x) => x.toFixed(1)).join(', ')} |`,
  );
}
