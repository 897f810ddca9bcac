// TCP relay benchmark: direct vs a bare Node pipe (and the same pipe appending every byte to a
// file, the obvious tee) vs looptap (no capture) vs looptap with a full capture vs socat, plus
// the disk alone writing the same bytes, in one run, interleaved, medians of REPS. Prints a
// markdown table for docs/benchmarks.md. Ratios against direct (and against the bare pipe) are
// the figures to read: the machine is shared and absolute numbers move between runs.
//
//   npm run bench -- tcp            (env: BENCH_BYTES=1073741824 BENCH_REPS=3 BENCH_RTT=3000)

import { startServers, bulk, roundTrips, percentile, median } from './lib/workloads.js';
import { startPath, type PathName } from './lib/paths.js';
import { cpuSeconds, peakRssMb } from './lib/proc.js';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));

const BYTES = Number(process.env.BENCH_BYTES ?? 1024 ** 3);
const REPS = Number(process.env.BENCH_REPS ?? 3);
const RTT_N = Number(process.env.BENCH_RTT ?? 3000);

interface Row {
  mbps: number[];
  cpuPerGb: number[];
  p50: number[];
  p99: number[];
  hwm: number[];
}

export async function runTcpBench(): Promise<string> {
  const names: PathName[] = [
    'direct',
    'node-pipe',
    'node-pipe-file',
    'looptap',
    'looptap-capture',
    'looptap-capture-v2',
  ];
  if (hasSocat()) names.push('socat');
  const disk: Row = { mbps: [], cpuPerGb: [], p50: [], p99: [], hwm: [] };
  const servers = await startServers();
  const rows = new Map<PathName, Row>(
    names.map((n) => [n, { mbps: [], cpuPerGb: [], p50: [], p99: [], hwm: [] }]),
  );
  try {
    for (let rep = 0; rep < REPS; rep++) {
      for (const name of names) {
        const row = rows.get(name)!;
        const bulkPath = await startPath(name, servers.sinkPort);
        const cpu0 = bulkPath.pid ? cpuSeconds(bulkPath.pid) : 0;
        const secs = await bulk(bulkPath.port, BYTES);
        // socat's forked child is reaped a moment after the connection ends
        await new Promise((r) => setTimeout(r, 150));
        if (bulkPath.pid) {
          row.cpuPerGb.push((cpuSeconds(bulkPath.pid) - cpu0) / (BYTES / 1e9));
          row.hwm.push(peakRssMb(bulkPath.pid));
        }
        row.mbps.push(BYTES / 1e6 / secs);
        await bulkPath.stop();

        const rttPath = await startPath(name, servers.echoPort);
        await roundTrips(rttPath.port, 200); // warm-up
        const t = await roundTrips(rttPath.port, RTT_N);
        row.p50.push(percentile(t, 50));
        row.p99.push(percentile(t, 99));
        await rttPath.stop();
        process.stderr.write(
          `rep ${rep + 1}/${REPS} ${name}: ${(BYTES / 1e6 / secs).toFixed(0)} MB/s, rtt p50 ${percentile(t, 50).toFixed(0)} us\n`,
        );
      }
      // what writing the same number of bytes costs on this disk, this rep
      const d = diskWrite(BYTES);
      disk.mbps.push(d.mbps);
      disk.cpuPerGb.push(d.cpuPerGb);
    }
  } finally {
    await servers.close();
  }
  const direct = rows.get('direct')!;
  const pipe = rows.get('node-pipe')!;
  const f = (n: number, d = 0): string => (Number.isFinite(n) ? n.toFixed(d) : '');
  // each rep's ratio to the pipe of the same rep, then the median: a slow patch of a shared
  // machine hits both sides of a ratio
  const paired = (r: Row, to = pipe): number => median(r.mbps.map((v, i) => v / to.mbps[i]!));
  // a capture against the obvious tee: the pipe writing the same bytes to the same disk, same rep
  const tee = rows.get('node-pipe-file')!;
  const lines = [
    `TCP relay, ${(BYTES / 1024 ** 3).toFixed(2)} GiB upload per run, ${RTT_N} x 64-byte round trips, median of ${REPS} interleaved runs`,
    '',
    '| path | bulk MB/s | x direct | x node-pipe | x node-pipe, paired | x node-pipe-file, paired | proxy CPU s/GB | peak RSS MB | RTT p50 us | RTT p99 us | p50 x direct |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const [name, r] of rows) {
    lines.push(
      `| ${name} | ${f(median(r.mbps))} | ${f(median(r.mbps) / median(direct.mbps), 2)} | ${f(median(r.mbps) / median(pipe.mbps), 2)} | ${f(paired(r), 2)} | ${f(paired(r, tee), 2)} | ${r.cpuPerGb.length ? f(median(r.cpuPerGb), 2) : ''} | ${r.hwm.length ? f(Math.max(...r.hwm)) : ''} | ${f(median(r.p50))} | ${f(median(r.p99))} | ${f(median(r.p50) / median(direct.p50), 2)} |`,
    );
  }
  lines.push(
    `| disk alone: the same bytes, fs.writev of 1 MiB (bench/disk-write.js) | ${f(median(disk.mbps))} | | | | | ${f(median(disk.cpuPerGb), 2)} | | | | |`,
  );
  return lines.join('\n');
}

function diskWrite(bytes: number): { mbps: number; cpuPerGb: number } {
  const file = `/tmp/looptap-bench-${process.pid}.disk`;
  const out = execFileSync(process.execPath, [root + 'bench/disk-write.js', file, String(bytes)], {
    encoding: 'utf8',
  });
  return JSON.parse(out) as { mbps: number; cpuPerGb: number };
}

function hasSocat(): boolean {
  try {
    execFileSync('socat', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  runTcpBench().then(
    (table) => console.log(table),
    (err) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
