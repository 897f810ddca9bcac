// HTTP mode cost, in one run: wrk against the origin directly, through bare http-proxy with a
// keep-alive agent (the floor for anything built on it), through `looptap http` (live view to
// /dev/null + full capture), and through `looptap http --quiet` without a capture.
// Each path is its own process, so CPU per request is that proxy's own (from /proc).
// Bounded: wrk -t1 -c20 -d5s per path, under `timeout`.
//
//   npm run build && node --import=@tapjs/typescript/import bench/http.ts

import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuSeconds, peakRssMb } from './lib/proc.js';
import { freePort } from './lib/paths.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
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
  rps: number;
  p99: string;
  cpuUs: number;
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

function measure(path: string, port: number, proxy?: ChildProcess): Row {
  wrk(port); // warm-up run is not counted... but bounded too
  const cpu0 = proxy ? cpuSeconds(proxy.pid!) : 0;
  const r = wrk(port);
  const cpu = proxy ? cpuSeconds(proxy.pid!) - cpu0 : NaN;
  return {
    path,
    rps: r.rps,
    p99: r.p99,
    cpuUs: (cpu / r.requests) * 1e6,
    rss: proxy ? peakRssMb(proxy.pid!) : NaN,
  };
}

const children: ChildProcess[] = [];
try {
  const originPort = await freePort();
  children.push(await start(['-e', ORIGIN, String(originPort)], /ready/));
  const rows: Row[] = [measure('direct (no proxy)', originPort)];

  const barePort = await freePort();
  const bare = await start(['-e', BARE, String(barePort), String(originPort)], /ready/);
  children.push(bare);
  rows.push(measure('bare http-proxy, keep-alive agent', barePort, bare));

  const quietPort = await freePort();
  const quiet = await start(
    [
      'bin/looptap.js',
      'http',
      '--target',
      String(originPort),
      '--listen',
      String(quietPort),
      '--quiet',
    ],
    /listening on/,
  );
  children.push(quiet);
  rows.push(measure('looptap http --quiet (no capture)', quietPort, quiet));

  const fullPort = await freePort();
  const full = await start(
    [
      'bin/looptap.js',
      'http',
      '--target',
      String(originPort),
      '--listen',
      String(fullPort),
      '--capture',
      join(dir, 'cap.jsonl'),
    ],
    /listening on/,
  );
  children.push(full);
  rows.push(measure('looptap http (live view + capture)', fullPort, full));

  const direct = rows[0]!.rps;
  console.log(
    `\nwrk -t1 -c20 -d${SECONDS}s, ${new Date().toISOString()}, Node ${process.version}\n`,
  );
  console.log('| path | req/s | x direct | p99 | proxy CPU µs/req | proxy peak RSS MB |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) {
    const f = (n: number, d = 0): string => (Number.isFinite(n) ? n.toFixed(d) : '-');
    console.log(
      `| ${r.path} | ${f(r.rps)} | ${f(r.rps / direct, 2)} | ${r.p99} | ${f(r.cpuUs)} | ${f(r.rss)} |`,
    );
  }
} finally {
  for (const c of children) c.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
