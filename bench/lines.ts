// What one event's lines cost when the capture (with rotation on) and `--json` both write it:
// in-process, no sockets, the events of a Redis GET round trip (two data chunks, command, reply,
// exchange) through a Hub into a RotatingCaptureFile and a JSON StreamSink on /dev/null. Paths:
// capture alone and capture + --json, for this checkout and, with BENCH_BASE=/other/looptap, for
// another one in the same run (before/after). CPU µs per round trip from process.cpuUsage,
// medians of BENCH_REPS interleaved runs.
//
//   node --import=@tapjs/typescript/import bench/lines.ts   (env: BENCH_N=100000 BENCH_REPS=3)

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CaptureEvent } from '../src/events.js';
import { median } from './lib/workloads.js';

const N = Number(process.env.BENCH_N ?? 100_000);
const REPS = Number(process.env.BENCH_REPS ?? 3);
const here = fileURLToPath(new URL('../', import.meta.url));
const DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'looptap-bench-lines-'));

/** one GET round trip as looptap writes it (lines taken from a capture) */
const TEMPLATE = [
  '{"time":1,"level":30,"msg":"25 bytes from client","type":"data","conn":1,"from":"client","seq":1,"offset":333,"len":25,"data":"KjINCiQzDQpHRVQNCiQ2DQp1c2VyOjENCg=="}',
  '{"time":1,"level":30,"msg":"command GET user:1","type":"message","conn":1,"from":"client","protocol":"redis","name":"command","summary":"GET user:1","command":["GET","user:1"]}',
  '{"time":1,"level":30,"msg":"12 bytes from server","type":"data","conn":1,"from":"server","seq":1,"offset":333,"len":12,"data":"JDUNCnZhbHVlDQo="}',
  '{"time":1,"level":30,"msg":"reply \\"value\\"","type":"message","conn":1,"from":"server","protocol":"redis","name":"reply","latencyMs":0.12,"summary":"\\"value\\"","reply":"value","request":"GET"}',
  '{"type":"exchange","time":1,"level":30,"msg":"GET user:1 -> \\"value\\"","conn":1,"protocol":"redis","id":2,"start":1.5,"request":{"text":"GET user:1","kind":"command","command":["GET","user:1"]},"latencyMs":0.12,"response":{"text":"\\"value\\"","reply":"\\"value\\""},"fingerprint":"GET user:*","fingerprintId":"f1d4c590a95ee923"}',
];

interface Impl {
  Hub: new (sinks: unknown[]) => { emit(e: CaptureEvent): void; close(): Promise<void> };
  Rotating: { open(p: string, o: object): Promise<unknown> };
  StreamSink: new (out: NodeJS.WritableStream, mode: string, f: object) => unknown;
  fromLine(line: string): CaptureEvent;
}

async function load(root: string): Promise<Impl> {
  const hub = await import(root + 'src/capture/hub.ts');
  const rot = await import(root + 'src/capture/rotating-file.ts');
  const sink = await import(root + 'src/view/stream-sink.ts');
  const fmt = await import(root + 'src/capture/line-format.ts');
  return {
    Hub: hub.Hub,
    Rotating: rot.RotatingCaptureFile,
    StreamSink: sink.StreamSink,
    fromLine: fmt.fromLine,
  };
}

const cpuNow = (): number => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

async function run(impl: Impl, json: boolean): Promise<number> {
  const file = path.join(DIR, 'c.jsonl');
  fs.rmSync(file, { force: true });
  for (const f of fs.readdirSync(DIR)) fs.rmSync(path.join(DIR, f), { force: true });
  const capture = (await impl.Rotating.open(file, { maxSize: 64 * 1024 ** 2, keep: 1 })) as {
    onDrain(fn: () => void): void;
  };
  const sinks: unknown[] = [capture];
  const out = fs.createWriteStream('/dev/null');
  if (json) sinks.push(new impl.StreamSink(out, 'json', { color: false, preview: 0, width: 80 }));
  const hub = new impl.Hub(sinks);
  let paused = false;
  let resume: (() => void) | undefined;
  (hub as unknown as { onPause(fn: (p: boolean) => void): void }).onPause((p) => {
    paused = p;
    if (!p) resume?.();
  });
  const events = TEMPLATE.map((l) => impl.fromLine(l));
  const c0 = cpuNow();
  for (let i = 0; i < N; i++) {
    // fresh objects, as the relay makes them
    for (const e of events) hub.emit({ ...e });
    if (paused) await new Promise<void>((r) => (resume = r));
    else if (i % 256 === 0) await new Promise((r) => setImmediate(r));
  }
  await hub.close();
  await new Promise((r) => out.end(r));
  return (cpuNow() - c0) / N;
}

const impls: Array<[string, Impl]> = [['this checkout', await load(here)]];
const base = process.env.BENCH_BASE;
if (base) impls.unshift(['base', await load(base.endsWith('/') ? base : base + '/')]);
const results = new Map<string, number[]>();
for (let rep = 0; rep < REPS; rep++) {
  for (const [name, impl] of impls) {
    for (const json of [false, true]) {
      const key = `${name}: capture${json ? ' + --json' : ''}`;
      (results.get(key) ?? results.set(key, []).get(key)!).push(await run(impl, json));
    }
  }
}
console.log(`${N} Redis GET round trips (5 events each), median of ${REPS} interleaved runs`);
console.log('| path | CPU µs per round trip |');
console.log('| --- | ---: |');
for (const [k, v] of results) console.log(`| ${k} | ${median(v).toFixed(2)} |`);
fs.rmSync(DIR, { recursive: true, force: true });
