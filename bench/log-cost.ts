// What the operational log and --transport cost the relay: proxy CPU seconds per GB of bulk
// upload through `looptap --quiet`, for another checkout's CLI (BENCH_BASE, e.g. before the
// pino log), this one, this one with --log-format json, and with every event sent to a
// pino/file transport on /dev/null. Medians of REPS interleaved runs.
//
//   BENCH_BASE=/path/to/old/looptap node --import=@tapjs/typescript/import bench/log-cost.ts

import { startServers, bulk, median } from './lib/workloads.js';
import { startPath, type PathName } from './lib/paths.js';
import { cpuSeconds } from './lib/proc.js';

const BYTES = Number(process.env.BENCH_BYTES ?? 512 * 1024 ** 2);
const REPS = Number(process.env.BENCH_REPS ?? 3);

const variants: Array<{ label: string; path: PathName; extra: string[] }> = [
  ...(process.env.BENCH_BASE
    ? [{ label: 'base --quiet', path: 'base-quiet' as const, extra: [] }]
    : []),
  { label: '--quiet', path: 'looptap', extra: [] },
  { label: '--quiet --log-format json', path: 'looptap', extra: ['--log-format', 'json'] },
  {
    label: '--quiet --transport pino/file (/dev/null)',
    path: 'looptap',
    extra: ['--transport', 'pino/file', '--transport-option', 'destination=/dev/null'],
  },
];

async function main(): Promise<void> {
  const servers = await startServers();
  const cpu = new Map<string, number[]>(variants.map((v) => [v.label, []]));
  const mbps = new Map<string, number[]>(variants.map((v) => [v.label, []]));
  try {
    for (let rep = 0; rep < REPS; rep++) {
      for (const v of variants) {
        const p = await startPath(v.path, servers.sinkPort, v.extra);
        const cpu0 = cpuSeconds(p.pid!);
        const secs = await bulk(p.port, BYTES);
        cpu.get(v.label)!.push((cpuSeconds(p.pid!) - cpu0) / (BYTES / 1e9));
        mbps.get(v.label)!.push(BYTES / 1e6 / secs);
        await p.stop();
        process.stderr.write(
          `rep ${rep + 1}/${REPS} ${v.label}: ${(BYTES / 1e6 / secs).toFixed(0)} MB/s\n`,
        );
      }
    }
  } finally {
    await servers.close();
  }
  console.log(`${(BYTES / 1024 ** 2).toFixed(0)} MiB bulk upload per run, median of ${REPS}`);
  console.log('');
  console.log('| looptap | proxy CPU s/GB | MB/s |');
  console.log('| --- | ---: | ---: |');
  for (const v of variants) {
    console.log(
      `| ${v.label} | ${median(cpu.get(v.label)!).toFixed(2)} | ${median(mbps.get(v.label)!).toFixed(0)} |`,
    );
  }
}

void main();
