// Database workloads through each path, in one run: pgbench select-only and redis-benchmark
// (plain and pipelined), direct vs bare Node pipe vs looptap with decoding and a full capture vs
// socat. The ratio to look at is looptap / node-pipe: what decoding and capturing cost on top
// of relaying. Every load tool runs under `timeout`, bounded in time and count.
//
//   npm run bench:db        (env: BENCH_REPS=3 BENCH_PG_SECONDS=8 BENCH_REDIS_N=100000)
//
// BENCH_WARMUP=1 runs each workload briefly through each path before the measured run (pgbench
// 1 s, redis-benchmark a tenth of the requests), uncounted: what is measured is then the cost of
// a request in a warm process, without the one-time JIT compilation of the code a workload
// reaches, which in a 5-second run at a few thousand requests a second weighs several µs each.

import { startPath, type PathName } from './lib/paths.js';
import {
  startPostgres,
  startRedis,
  pgbenchInit,
  pgbenchSelect,
  redisBenchmark,
} from './lib/servers.js';
import { cpuSeconds } from './lib/proc.js';
import { median } from './lib/workloads.js';

const REPS = Number(process.env.BENCH_REPS ?? 3);
const PG_SECONDS = Number(process.env.BENCH_PG_SECONDS ?? 8);
const REDIS_N = Number(process.env.BENCH_REDIS_N ?? 100_000);
const WARMUP = process.env.BENCH_WARMUP === '1';

type Workload = 'pg select' | 'redis GET' | 'redis SET' | 'redis GET -P16';
const WORKLOADS: Workload[] = ['pg select', 'redis GET', 'redis SET', 'redis GET -P16'];

function pgbench(port: number, seconds = PG_SECONDS): number {
  const out = pgbenchSelect(port, { seconds });
  const m = /tps = ([\d.]+)/.exec(out);
  if (!m) throw new Error(`no tps in pgbench output: ${out}`);
  return Number(m[1]);
}

function redisBench(port: number, test: 'get' | 'set', pipeline: number, n = REDIS_N): number {
  return redisBenchmark(port, test, pipeline, n);
}

export async function runDbBench(): Promise<string> {
  const names: PathName[] = [
    'direct',
    'node-pipe',
    ...(process.env.BENCH_BASE ? (['base-quiet', 'base-capture'] as const) : []),
    'looptap',
    'looptap-capture',
    'looptap-capture-v2',
    'socat',
  ];
  const pg = await startPostgres();
  const redis = await startRedis();
  pgbenchInit(pg.port);
  const rate = new Map<string, number[]>();
  const cpu = new Map<string, number[]>();
  const key = (n: string, w: Workload): string => `${n}|${w}`;
  try {
    for (let rep = 0; rep < REPS; rep++) {
      for (const name of names) {
        for (const w of WORKLOADS) {
          const path = await startPath(name, w.startsWith('pg') ? pg.port : redis.port);
          if (WARMUP) {
            if (w === 'pg select') pgbench(path.port, 1);
            else
              redisBench(
                path.port,
                w === 'redis SET' ? 'set' : 'get',
                w.endsWith('P16') ? 16 : 1,
                Math.ceil(REDIS_N / 10),
              );
          }
          const c0 = path.pid ? cpuSeconds(path.pid) : 0;
          let r: number;
          let units: number;
          if (w === 'pg select') {
            r = pgbench(path.port);
            units = r * PG_SECONDS;
          } else {
            r = redisBench(
              path.port,
              w === 'redis SET' ? 'set' : 'get',
              w.endsWith('P16') ? 16 : 1,
            );
            units = REDIS_N;
          }
          if (path.pid)
            (cpu.get(key(name, w)) ?? cpu.set(key(name, w), []).get(key(name, w))!).push(
              ((cpuSeconds(path.pid) - c0) / units) * 1e6,
            );
          (rate.get(key(name, w)) ?? rate.set(key(name, w), []).get(key(name, w))!).push(r);
          await path.stop();
          process.stderr.write(`rep ${rep + 1}/${REPS} ${name} ${w}: ${r.toFixed(0)}/s\n`);
        }
      }
    }
  } finally {
    await pg.stop();
    await redis.stop();
  }
  const m = (n: string, w: Workload): number => median(rate.get(key(n, w)) ?? [NaN]);
  const lines = [
    `pgbench -S -c 4 -j 2 -T ${PG_SECONDS} (tps); redis-benchmark -c 50 -n ${REDIS_N} (req/s); median of ${REPS} interleaved runs; looptap runs with decoding (auto) and a full capture${WARMUP ? '; each path warmed up first (uncounted)' : ''}`,
    '',
    `| path | ${WORKLOADS.map((w) => `${w} x direct`).join(' | ')} | ${WORKLOADS.map((w) => `${w} µs CPU/op`).join(' | ')} |`,
    `| --- | ${WORKLOADS.map(() => '---:').join(' | ')} | ${WORKLOADS.map(() => '---:').join(' | ')} |`,
  ];
  for (const n of names) {
    const ratios = WORKLOADS.map((w) => (m(n, w) / m('direct', w)).toFixed(2));
    const cpus = WORKLOADS.map((w) => {
      const v = cpu.get(key(n, w));
      return v ? median(v).toFixed(1) : '';
    });
    lines.push(`| ${n} | ${ratios.join(' | ')} | ${cpus.join(' | ')} |`);
  }
  lines.push(
    '',
    `| direct (absolute) | ${WORKLOADS.map((w) => m('direct', w).toFixed(0)).join(' | ')} |`,
  );
  lines.push(
    '',
    `looptap-capture / node-pipe: ${WORKLOADS.map((w) => `${w} ${(m('looptap-capture', w) / m('node-pipe', w)).toFixed(2)}`).join(', ')}`,
  );
  if (process.env.BENCH_BASE) {
    // the aim of the exchange layer: CPU per request against the base checkout's, same run
    const c = (n: string, w: Workload): number => median(cpu.get(key(n, w)) ?? [NaN]);
    const ratio = (a: string, b: string): string =>
      `${a} / ${b}, µs CPU per op: ${WORKLOADS.map((w) => `${w} ${(c(a, w) / c(b, w)).toFixed(2)}`).join(', ')}`;
    // decoding alone (no capture on either side), then decoding with a full capture
    lines.push(ratio('looptap', 'base-quiet'), ratio('looptap-capture', 'base-capture'));
  }
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  runDbBench().then(
    (table) => console.log(table),
    (err) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
