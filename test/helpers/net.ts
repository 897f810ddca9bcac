// Real-socket helpers for relay and CLI tests: servers on 127.0.0.1:0 that tap tears down,
// seeded payloads and sha256, fd and memory figures from /proc, and looptap run as a child
// process (bin/looptap.js, so `npm run build` must have run) with its announcement parsed.

import net from 'node:net';
import { once } from 'node:events';
import { createHash } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { prng } from './feed.js';

/** the subset of tap's Test that these helpers need */
export interface Teardown {
  teardown(fn: () => unknown): void;
}

export const BIN = fileURLToPath(new URL('../../bin/looptap.js', import.meta.url));
export const MiB = 1024 * 1024;

export interface TestServer {
  server: net.Server;
  port: number;
  /** "127.0.0.1:PORT" */
  address: string;
  sockets: Set<net.Socket>;
  close(): Promise<void>;
}

/** A listener on 127.0.0.1:0 (or `port`) with allowHalfOpen; every accepted socket is tracked
 * and destroyed at teardown, and socket errors never become uncaught exceptions. */
export async function startServer(
  t: Teardown,
  onSocket: (s: net.Socket) => void,
  port = 0,
): Promise<TestServer> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true }, (s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
    onSocket(s);
  });
  server.listen({ host: '127.0.0.1', port, backlog: 2048 });
  await once(server, 'listening');
  const p = (server.address() as net.AddressInfo).port;
  let closed: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closed ??= new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }));
  t.teardown(close);
  return { server, port: p, address: `127.0.0.1:${p}`, sockets, close };
}

/** echoes every byte back and ends when the peer ends (half-close respected) */
export const startEcho = (t: Teardown, port = 0): Promise<TestServer> =>
  startServer(t, (s) => s.pipe(s), port);

/** accepts and never reads nor answers: the kernel buffers fill, then the peer blocks */
export const startBlackhole = (t: Teardown): Promise<TestServer> =>
  startServer(t, (s) => s.pause());

/** a target that refuses connections: a port nothing listens on now */
export { freePort as deadPort } from './free-port.js';

export const sha256 = (b: Buffer | Buffer[]): string => {
  const h = createHash('sha256');
  for (const x of Array.isArray(b) ? b : [b]) h.update(x);
  return h.digest('hex');
};

/** sha256 and byte count of everything a socket receives until it ends */
export function hashUntilEnd(s: net.Socket): Promise<{ sha: string; bytes: number }> {
  const h = createHash('sha256');
  let bytes = 0;
  s.on('data', (c: Buffer) => {
    h.update(c);
    bytes += c.length;
  });
  return new Promise((resolve, reject) => {
    s.once('end', () => resolve({ sha: h.digest('hex'), bytes }));
    s.once('error', reject);
  });
}

/** seeded bytes; the first 256 are 0..255 so every byte value is present in any payload */
export function payload(seed: number, size: number): Buffer {
  const rand = prng(seed);
  const out = Buffer.allocUnsafe(size);
  let i = 0;
  for (; i + 4 <= size; i += 4) out.writeUInt32LE((rand() * 0x100000000) >>> 0, i);
  for (; i < size; i++) out[i] = Math.floor(rand() * 256);
  for (let b = 0; b < Math.min(256, size); b++) out[b] = b;
  return out;
}

/** A large seeded stream without holding it: `blocks` distinct seeded 1 MiB blocks, picked
 * in a seeded order, so that a dropped, repeated or reordered chunk changes the sha256. */
export class PayloadStream {
  readonly sha: string;
  private blocks: Buffer[];
  private order: number[];
  constructor(
    seed: number,
    readonly size: number,
    blockCount = 8,
  ) {
    this.blocks = Array.from({ length: blockCount }, (_, i) => payload(seed * 131 + i, MiB));
    const rand = prng(seed);
    const n = Math.ceil(size / MiB);
    this.order = Array.from({ length: n }, () => Math.floor(rand() * blockCount));
    const h = createHash('sha256');
    for (let i = 0; i < n; i++) h.update(this.chunk(i));
    this.sha = h.digest('hex');
  }
  get chunks(): number {
    return this.order.length;
  }
  chunk(i: number): Buffer {
    const b = this.blocks[this.order[i]!]!;
    const last = this.size - i * MiB;
    return last < MiB ? b.subarray(0, last) : b;
  }
  /** writes everything with backpressure, then end()s unless told not to */
  async writeTo(s: net.Socket, end = true): Promise<void> {
    for (let i = 0; i < this.chunks; i++) {
      if (s.destroyed) throw new Error('socket destroyed while writing');
      if (!s.write(this.chunk(i))) await drained(s);
    }
    if (end) s.end();
  }
}

/** waits for 'drain' or 'close', leaving no listener behind */
export function drained(s: net.Socket): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      s.off('drain', done);
      s.off('close', done);
      resolve();
    };
    s.on('drain', done);
    s.on('close', done);
  });
}

export async function connect(port: number, host = '127.0.0.1'): Promise<net.Socket> {
  const s = net.connect({ host, port, allowHalfOpen: true });
  await once(s, 'connect');
  return s;
}

/** Resolves with the error code a socket fails with, 'end' for a clean FIN (the socket is then
 * destroyed: a half-open test socket would linger), or 'close' for a close without either.
 * Node (libuv) can report a reset as a plain EOF; a zero-length write on 'end' tells them apart
 * (it fails with ECONNRESET after a reset and sends nothing after a FIN). */
export function outcome(s: net.Socket): Promise<string> {
  return new Promise((resolve) => {
    s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
    s.once('end', () => {
      if (s.writableEnded || s.destroyed) return resolve('end');
      s.write(Buffer.alloc(0), (err) => {
        if (err) return resolve((err as NodeJS.ErrnoException).code ?? 'error');
        resolve('end');
        s.destroy();
      });
    });
    s.once('close', () => setImmediate(() => resolve('close')));
  });
}

export const fdCount = (pid: number): number => readdirSync(`/proc/${pid}/fd`).length;

/** peak resident set (VmHWM) of a process in bytes */
export function vmHwm(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

/** Child-process tests run dist/ through bin/looptap.js: throws when dist/ is missing, and warns
 * (on stderr, not failing: other work may be editing src/ meanwhile) when a src file is newer. */
export function assertBuilt(): void {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  let built: number;
  try {
    built = statSync(`${root}dist/cli/main.js`).mtimeMs;
  } catch {
    throw new Error('dist/ is missing: run `npm run build` before this test');
  }
  const walk = (dir: string): string | undefined => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = `${dir}/${e.name}`;
      if (e.isDirectory()) {
        const hit = walk(p);
        if (hit) return hit;
      } else if (e.name.endsWith('.ts') && statSync(p).mtimeMs > built) return p;
    }
    return undefined;
  };
  const newer = walk(`${root}src`);
  if (newer) process.stderr.write(`# warning: ${newer} is newer than dist/; run npm run build\n`);
}

export interface Looptap {
  child: ChildProcess;
  pid: number;
  /** the first stdout line */
  announcement: string;
  /** the port parsed from the announcement */
  port: number;
  stdout: string[];
  stderr: string[];
  /** resolves with the exit code (or 128+signal) once the child is gone */
  exited: Promise<number>;
  /** SIGTERM or SIGINT and wait; returns the exit code and how long it took */
  stop(signal?: NodeJS.Signals): Promise<{ code: number; ms: number }>;
}

export interface RunOptions {
  /** run through `sh -c` with this prefix, e.g. 'umask 000;' */
  shellPrefix?: string;
  env?: NodeJS.ProcessEnv;
}

function lineCollector(stream: NodeJS.ReadableStream, into: string[], onLine?: () => void): void {
  let pending = '';
  stream.setEncoding('utf8');
  stream.on('data', (c: string) => {
    pending += c;
    let nl: number;
    while ((nl = pending.indexOf('\n')) !== -1) {
      into.push(pending.slice(0, nl));
      pending = pending.slice(nl + 1);
      onLine?.();
    }
  });
  stream.on('end', () => {
    if (pending) into.push(pending);
    onLine?.();
  });
}

/** runs looptap to completion (for commands that exit by themselves or fail at start) */
export function runLooptap(
  args: string[],
  opts: RunOptions = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = spawnChild(args, opts);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  // a guard against a hang, not a pace: generous, because a loaded machine (8 jobs on 2 cores)
  // can take many seconds to start node and run a command
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((resolve) => {
    child.on('close', (code, sig) => {
      clearTimeout(timer);
      resolve({ code: code ?? 128 + (sig === 'SIGKILL' ? 9 : 15), stdout, stderr });
    });
  });
}

function spawnChild(args: string[], opts: RunOptions): ChildProcess {
  const env = { ...process.env, NO_COLOR: '1', ...opts.env };
  if (opts.shellPrefix !== undefined) {
    const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
    // exec keeps the pid the same, so fd and memory figures are looptap's own
    const cmd = `${opts.shellPrefix} exec ${q(process.execPath)} ${[BIN, ...args].map(q).join(' ')}`;
    return spawn('/bin/sh', ['-c', cmd], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  }
  return spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** starts a long-running looptap and waits for its announcement (the first stdout line) */
export async function spawnLooptap(
  t: Teardown,
  args: string[],
  opts: RunOptions = {},
): Promise<Looptap> {
  const child = spawnChild(args, opts);
  const stdout: string[] = [];
  const stderr: string[] = [];
  let wake: (() => void) | undefined;
  lineCollector(child.stdout!, stdout, () => wake?.());
  lineCollector(child.stderr!, stderr);
  let done = false;
  const exited = new Promise<number>((resolve) =>
    child.on('close', (code, sig) => {
      done = true;
      wake?.();
      resolve(code ?? 128 + (sig === 'SIGKILL' ? 9 : sig === 'SIGINT' ? 2 : 15));
    }),
  );
  t.teardown(() => {
    if (!done) child.kill('SIGKILL');
  });
  // the announcement comes when it comes; this only turns a hang into a failure
  const deadline = Date.now() + 60_000;
  while (stdout.length === 0 && !done && Date.now() < deadline) {
    await new Promise<void>((r) => {
      wake = r;
      setTimeout(r, 100);
    });
  }
  const announcement = stdout[0];
  if (announcement === undefined) {
    child.kill('SIGKILL');
    throw new Error(`looptap printed no announcement; stderr: ${stderr.join('\n')}`);
  }
  const m = /listening on (?:\[[^\]]+\]|[^\s:]+):(\d+) /.exec(announcement);
  if (!m) throw new Error(`cannot parse announcement: ${announcement}`);
  return {
    child,
    pid: child.pid!,
    announcement,
    port: Number(m[1]),
    stdout,
    stderr,
    exited,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      const started = Date.now();
      child.kill(signal);
      const code = await exited;
      return { code, ms: Date.now() - started };
    },
  };
}

/** looptap (--decode raw, --quiet) in front of a new echo server, capturing to a file in a temp
 * dir that teardown removes; `args` are added after those flags */
export async function looptapToEcho(
  t: Teardown,
  args: string[] = [],
): Promise<{ lt: Looptap; capture: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'looptap-echo-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const capture = join(dir, 'capture.jsonl');
  const echo = await startEcho(t);
  const flags = ['--target', echo.address, '--decode', 'raw', '--quiet', '--capture', capture];
  return { lt: await spawnLooptap(t, [...flags, ...args]), capture };
}

/** runs `fn` over `items` with at most `limit` in flight */
export async function mapLimit<T, R>(
  items: T[],
  limit: number,
  fn: (x: T, i: number) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
