// The paths a benchmark compares, each started as its own process in front of a target port:
// direct (no proxy), the bare Node pipe, looptap without and with a capture, and socat.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { rmSync, openSync, closeSync, readFileSync } from 'node:fs';

const root = fileURLToPath(new URL('../../', import.meta.url));

export interface Path {
  name: string;
  port: number;
  pid?: number;
  stop(): Promise<void>;
}

export type PathName =
  | 'direct'
  | 'node-pipe'
  /** the bare pipe appending every byte to a file: the obvious tee, beside the captures */
  | 'node-pipe-file'
  | 'looptap'
  | 'looptap-capture'
  | 'looptap-capture-v2'
  /** looptap-capture from another checkout (BENCH_BASE=/path/to/old/looptap): before and
   * after in one run */
  | 'base-capture'
  /** looptap --quiet from that other checkout: the relay with another CLI in front */
  | 'base-quiet'
  | 'socat';

/** `node` arguments that run ROOT's looptap as its users do: the node flags on the first line
 * of bin/looptap.js (`#!/usr/bin/env -S node FLAGS`, which npx and a PATH install honour), then
 * the script. A checkout without flags there (0.1) runs as plain `node bin/looptap.js`. */
export function looptapArgv(from: string): string[] {
  const bin = from + 'bin/looptap.js';
  const first = readFileSync(bin, 'utf8').split('\n', 1)[0]!;
  const m = /^#!\/usr\/bin\/env\s+-S\s+node\s+(.*)$/.exec(first);
  return [...(m ? m[1]!.trim().split(/\s+/) : []), bin];
}

export async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

function waitLine(child: ChildProcess, re: RegExp): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    const timer = setTimeout(() => reject(new Error('no announcement within 15 s')), 15_000);
    rl.on('line', (line) => {
      const m = re.exec(line);
      if (m) {
        clearTimeout(timer);
        rl.removeAllListeners('line');
        child.stdout!.resume();
        resolve(m);
      }
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code} before announcing`)));
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const done = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), 5000);
  await done;
  clearTimeout(t);
}

/** `node ROOT/bin/looptap.js ARGS` (ROOT: this checkout or another, with its node flags:
 * looptapArgv), once it listens. With `stdoutFile`, stdout goes to that file: the live view's
 * output could not be drained from a pipe by a benchmark that blocks in execFileSync (the relay
 * would wait on it). */
export async function startCli(
  from: string,
  args: string[],
  stdoutFile?: string,
): Promise<{ child: ChildProcess; port: number }> {
  const announced = /listening on 127\.0\.0\.1:(\d+)/;
  const argv = [...looptapArgv(from), ...args];
  if (stdoutFile === undefined) {
    const child = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'ignore'] });
    const m = await waitLine(child, announced);
    return { child, port: Number(m[1]) };
  }
  const fd = openSync(stdoutFile, 'w');
  const child = spawn(process.execPath, argv, { stdio: ['ignore', fd, 'ignore'] });
  closeSync(fd);
  for (let i = 0; i < 300 && child.exitCode === null; i++) {
    const m = announced.exec(readFileSync(stdoutFile, 'utf8').slice(0, 500));
    if (m) return { child, port: Number(m[1]) };
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  throw new Error(`looptap ${args.join(' ')}: no announcement in ${stdoutFile} within 15 s`);
}

export async function startPath(
  name: PathName,
  target: number,
  extra: string[] = [],
): Promise<Path> {
  if (name === 'direct') return { name, port: target, stop: () => Promise.resolve() };
  if (name === 'node-pipe' || name === 'node-pipe-file') {
    const file = name === 'node-pipe-file' ? `/tmp/looptap-bench-${process.pid}.pipe` : undefined;
    const argv = [root + 'bench/node-pipe.js', '0', String(target), ...(file ? [file] : [])];
    return spawnListening(name, argv, file ? [file] : [], 'inherit');
  }
  if (name === 'socat') {
    const port = await freePort();
    const child = spawn(
      'socat',
      [`TCP-LISTEN:${port},bind=127.0.0.1,fork,reuseaddr,backlog=1024`, `TCP:127.0.0.1:${target}`],
      { stdio: 'ignore' },
    );
    for (let i = 0; i < 100; i++) {
      if (await canConnect(port)) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    return { name, port, pid: child.pid, stop: () => stopChild(child) };
  }
  const capture =
    name.startsWith('looptap-capture') || name === 'base-capture'
      ? `/tmp/looptap-bench-${process.pid}.jsonl`
      : undefined;
  // format 2 keeps payloads raw in FILE.bin (docs/capture-format.md)
  const format = name === 'looptap-capture-v2' ? ['--capture-format', '2'] : [];
  const from = name.startsWith('base-') ? baseRoot() : root;
  const args = [
    ...looptapArgv(from),
    '--quiet',
    '--target',
    String(target),
    ...(capture
      ? ['--capture', capture, ...(from === root ? ['--overwrite'] : []), ...format]
      : []),
    ...extra,
  ];
  return spawnListening(name, args, capture ? [capture, capture + '.bin'] : [], 'ignore');
}

/** `node ARGV` once it announces its port; stop() ends it and removes the files it wrote */
async function spawnListening(
  name: string,
  argv: string[],
  files: string[],
  stderr: 'inherit' | 'ignore',
): Promise<Path> {
  const child = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', stderr] });
  const m = await waitLine(child, /listening on 127\.0\.0\.1:(\d+)/);
  return {
    name,
    port: Number(m[1]),
    pid: child.pid,
    stop: async () => {
      await stopChild(child);
      for (const f of files) rmSync(f, { force: true });
    },
  };
}

function baseRoot(): string {
  const base = process.env.BENCH_BASE;
  if (!base) throw new Error('base-capture needs BENCH_BASE=/path/to/another/looptap checkout');
  return base.endsWith('/') ? base : base + '/';
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}
