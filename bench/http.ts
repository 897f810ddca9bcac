// HTTP mode cost, in one run: wrk against the origin directly, through bare http-proxy with a
// keep-alive agent (the floor for anything built on it), and through `looptap http` quiet without
// a capture, quiet with a capture in format 1 and 2, and with the live view (drained) + capture.
// Each path is its own process, so CPU per request is that proxy's own (from /proc); the paths
// take turns, REPS rounds, medians. Bounded: wrk -t1 -c20 -d5s per path, under `timeout`.
//
//   npm run build && node --import=@tapjs/typescript/import bench/http.ts  (env BENCH_SECONDS, BENCH_REPS)

import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuSeconds, peakRssMb } from './lib/proc.js';
import { freePort, looptapArgv } from './lib/paths.js';
import { median } from './lib/workloads.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const REPS = Number(process.env.BENCH_REPS ?? 3);
const root = fileURLToPath(new URL('../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'looptap-bench-http-'));

const ORIGIN = `
const http = require('node:http');
const body = JSON.stringify({ id: 1, name: 'looptap', items: [1, 2, 3] });
http.createServer((req, res) => { req.resume(); req.on('end', () => {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body); }); }).listen(Number(process.argv[1]), '127.0.0.1', () => console.log('ready'));`;

const BARE = `
const http = require('node:http');
const httpProxy = require('http-proxy');
const agent = new http.Agent({ keepAlive: true });
const proxy = httpProxy.createProxyServer({ target: 'http://127.0.0.1:' + process.argv[2], agent });
proxy.on('error', (e, req, res) => { res.writeHead(502); res.end(); });
http.createServer((req, res) => proxy.web(req, res)).listen(Number(process.argv[1]), '127.0.0.1', () => console.log('ready'));`;

function start(args: string[], ready: RegExp): Promise<ChildProcess> {
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${args.join(' ')}: not ready`)), 15_000);
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      out += c;
      if (ready.test(out)) {
        clearTimeout(timer);
        // keep draining: a full stdout pipe would stall the proxy (the live view writes here)
        child.stdout.removeAllListeners('data');
        child.stdout.resume();
        resolve(child);
      }
    });
  });
}

interface Row {
  path: string;
  rps: number[];
  p99: string[];
  cpuUs: number[];
  rss: number;
}

function wrk(port: number): { rps: number; p99: string; requests: number } {
  const out = execFileSync(
    'timeout',
    [
      String(SECONDS + 20),
      'wrk',
      '-t1',
      '-c20',
      `-d${SECONDS}s`,
      '--latency',
      `http://127.0.0.1:${port}/api/users`,
    ],
    { encoding: 'utf8' },
  );
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const p99 = /\s99%\s+(\S+)/.exec(out)?.[1] ?? '?';
  const requests = Number(/(\d+) requests in/.exec(out)?.[1]);
  if (/Non-2xx/.test(out)) throw new Error(`errors in wrk run:\n${out}`);
  return { rps, p99, requests };
}

function measure(row: Row, port: number, proxy?: ChildProcess): void {
  wrk(port); // warm-up run is not counted... but bounded too
  const cpu0 = proxy ? cpuSeconds(proxy.pid!) : 0;
  const r = wrk(port);
  const cpu = proxy ? cpuSeconds(proxy.pid!) - cpu0 : NaN;
  row.rps.push(r.rps);
  row.p99.push(r.p99);
  row.cpuUs.push((cpu / r.requests) * 1e6);
  row.rss = proxy ? Math.max(row.rss, peakRssMb(proxy.pid!)) : NaN;
  process.stderr.write(`${row.path}: ${r.rps.toFixed(0)} req/s\n`);
}

/** a looptap http in front of the origin, with these output flags */
async function looptap(originPort: number, flags: string[]): Promise<[number, ChildProcess]> {
  const port = await freePort();
  const args = [...looptapArgv(''), 'http', '--target', String(originPort), '--listen'];
  const child = await start([...args, String(port), ...flags], /listening on/);
  return [port, child];
}

const children: ChildProcess[] = [];
try {
  const originPort = await freePort();
  children.push(await start(['-e', ORIGIN, String(originPort)], /ready/));
  const barePort = await freePort();
  const bare = await start(['-e', BARE, String(barePort), String(originPort)], /ready/);
  children.push(bare);
  const paths: Array<[string, number, ChildProcess | undefined]> = [
    ['direct (no proxy)', originPort, undefined],
    ['bare http-proxy, keep-alive agent', barePort, bare],
  ];
  const cap = (n: string): string[] => ['--capture', join(dir, n)];
  const variants: Array<[string, string[]]> = [
    ['looptap http --quiet (no capture)', ['--quiet']],
    ['looptap http --quiet --capture (format 1)', ['--quiet', ...cap('c1.jsonl')]],
    [
      'looptap http --quiet --capture-format 2',
      ['--quiet', ...cap('c2.jsonl'), '--capture-format', '2'],
    ],
    ['looptap http (live view + capture)', cap('live.jsonl')],
  ];
  for (const [name, flags] of variants) {
    const [port, child] = await looptap(originPort, flags);
    children.push(child);
    paths.push([name, port, child]);
  }
  const rows = paths.map(([path]): Row => ({ path, rps: [], p99: [], cpuUs: [], rss: 0 }));
  for (let rep = 0; rep < REPS; rep++) {
    paths.forEach(([, port, child], i) => measure(rows[i]!, port, child));
  }
  const direct = median(rows[0]!.rps);
  const bareRps = median(rows[1]!.rps);
  console.log(
    `\nwrk -t1 -c20 -d${SECONDS}s, median of ${REPS} interleaved runs, ${new Date().toISOString()}, Node ${process.version}\n`,
  );
  console.log(
    '| path | req/s | x direct | x bare http-proxy | p99 (median) | proxy CPU µs/req | proxy peak RSS MB |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) {
    const f = (n: number, d = 0): string => (Number.isFinite(n) ? n.toFixed(d) : '-');
    const rps = median(r.rps);
    const p99 = r.p99.slice().sort((a, b) => parseMs(a) - parseMs(b))[r.p99.length >> 1];
    console.log(
      `| ${r.path} | ${f(rps)} | ${f(rps / direct, 2)} | ${f(rps / bareRps, 2)} | ${p99} | ${f(median(r.cpuUs))} | ${f(r.rss)} |`,
    );
  }
} finally {
  for (const c of children) c.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}

/** wrk's "1.23ms", "850.00us", "1.02s" in ms */
function parseMs(t: string): number {
  const m = /^([\d.]+)(us|ms|s)$/.exec(t);
  if (!m) return NaN;
  return Number(m[1]) * (m[2] === 'us' ? 0.001 : m[2] === 's' ? 1000 : 1);
}
