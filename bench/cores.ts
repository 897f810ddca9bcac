// The worker-thread question (issue 14): how much of looptap's CPU per Redis request is writing
// the capture rather than relaying and decoding, and does the part already off the main thread
// (libuv's thread pool runs the capture's writev) gain from the second core? redis-benchmark GET
// through looptap --quiet (decode auto) without and with a capture, each with both cores and
// pinned to one (`taskset -c 0`, the looptap process only), in turns, medians of BENCH_REPS.
// The bare Node pipe and `looptap --decode raw` run in the same turns: they split looptap's CPU
// into the relay's share and the decoders' share, user and system apart (a --cpu-prof profile
// cannot: it counts a socket write's wall time, preemption by the peer it wakes included).
//
//   npm run build && node --import=@tapjs/typescript/import bench/cores.ts
//   (env: BENCH_REPS=3 BENCH_REDIS_N=20000 BENCH_PIPELINE=1)

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startRedis } from './lib/servers.js';
import { median } from './lib/workloads.js';
import { looptapArgv } from './lib/paths.js';

const REPS = Number(process.env.BENCH_REPS ?? 3);
const N = Number(process.env.BENCH_REDIS_N ?? 20_000);
const PIPELINE = Number(process.env.BENCH_PIPELINE ?? 1);
const root = fileURLToPath(new URL('../', import.meta.url));
const capture = `/tmp/looptap-bench-cores-${process.pid}.jsonl`;

/** user and system CPU seconds of a process (all its threads: the thread pool's writes too) */
function userSys(pid: number): [number, number] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return [Number(f[11]) / 100, Number(f[12]) / 100];
}

type Kind = 'pipe' | 'raw' | 'decode' | 'capture';

async function proxy(target: number, pinned: boolean, kind: Kind) {
  const args =
    kind === 'pipe'
      ? [root + 'bench/node-pipe.js', '0', String(target)]
      : [...looptapArgv(root), '--quiet', '--target', String(target)];
  if (kind === 'raw') args.push('--decode', 'raw');
  if (kind === 'capture') args.push('--capture', capture, '--overwrite');
  const [cmd, argv] = pinned
    ? ['taskset', ['-c', '0', process.execPath, ...args]]
    : [process.execPath, args];
  const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'ignore'] });
  const port = await new Promise<number>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout });
    rl.once('line', (l) => {
      const m = /listening on 127\.0\.0\.1:(\d+)/.exec(l);
      child.stdout.resume();
      if (m) resolve(Number(m[1]));
      else reject(new Error(`no announcement: ${l}`));
    });
  });
  return { child, port };
}

function redisGet(port: number, n = N): number {
  const out = execFileSync(
    'timeout',
    ['120', 'redis-benchmark', '-p', String(port), '-n', String(n), '-c', '50'].concat([
      '-P',
      String(PIPELINE),
      '-t',
      'get',
      '-q',
    ]),
    { encoding: 'utf8' },
  );
  return Number(/([\d.]+) requests per second/.exec(out)?.[1]);
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const done = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await done;
}

const KINDS: Kind[] = ['pipe', 'raw', 'decode', 'capture'];
const LABEL: Record<Kind, string> = {
  pipe: 'bare Node pipe (bench/node-pipe.js)',
  raw: 'looptap --decode raw',
  decode: 'decode, no capture',
  capture: 'decode + capture',
};

const redis = await startRedis();
const rows = new Map<string, { rate: number[]; cpu: number[]; sys: number[] }>();
try {
  for (let rep = 0; rep < REPS; rep++) {
    for (const pinned of [false, true]) {
      for (const kind of KINDS) {
        if (pinned && (kind === 'pipe' || kind === 'raw')) continue;
        const name = `${LABEL[kind]}, ${pinned ? '1 core (taskset -c 0)' : '2 cores'}`;
        const { child, port } = await proxy(redis.port, pinned, kind);
        // the first requests pay for JIT compilation: not what a long run costs
        redisGet(port, Math.min(2000, N));
        const [u0, s0] = userSys(child.pid!);
        const rate = redisGet(port);
        const [u1, s1] = userSys(child.pid!);
        const cpu = ((u1 - u0 + s1 - s0) / N) * 1e6;
        const sys = ((s1 - s0) / N) * 1e6;
        await stop(child);
        const row = rows.get(name) ?? rows.set(name, { rate: [], cpu: [], sys: [] }).get(name)!;
        row.rate.push(rate);
        row.cpu.push(cpu);
        row.sys.push(sys);
        process.stderr.write(`rep ${rep + 1}/${REPS} ${name}: ${rate.toFixed(0)}/s\n`);
      }
    }
  }
} finally {
  await redis.stop();
  rmSync(capture, { force: true });
}
console.log(`redis-benchmark -c 50 -n ${N} -P ${PIPELINE} -t get, median of ${REPS} runs in turns`);
console.log('| path (looptap --quiet) | req/s | µs CPU per request | of which system |');
console.log('| --- | ---: | ---: | ---: |');
for (const [name, r] of rows) {
  console.log(
    `| ${name} | ${median(r.rate).toFixed(0)} | ${median(r.cpu).toFixed(1)} | ${median(r.sys).toFixed(1)} |`,
  );
}
