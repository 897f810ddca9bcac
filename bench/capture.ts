// What the capture file costs per payload byte, in-process and isolated from sockets: BENCH_MB
// of 64 KiB data events (fresh Buffers, as socket reads are) written through the capture file,
// against the disk's own pace (the same bytes written with fs.writev in 64 KiB-1 MiB batches).
// Reports CPU seconds per GB of payload, bytes written per payload byte and wall time; medians
// of BENCH_REPS interleaved runs. The file lives in BENCH_DIR (default the OS temp dir).
//
//   npm run build && node --import=@tapjs/typescript/import bench/capture.ts
//   (env: BENCH_MB=512 BENCH_REPS=3 BENCH_CHUNK=65536 BENCH_FORMAT=1,2)

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openCaptureFile } from '../src/capture/capture-file.js';
import type { DataEvent } from '../src/events.js';
import { median } from './lib/workloads.js';

const MB = Number(process.env.BENCH_MB ?? 512);
const REPS = Number(process.env.BENCH_REPS ?? 3);
const CHUNK = Number(process.env.BENCH_CHUNK ?? 65536);
const FORMATS = (process.env.BENCH_FORMAT ?? '1,2').split(',').map(Number) as Array<1 | 2>;
const DIR = fs.mkdtempSync(path.join(process.env.BENCH_DIR ?? os.tmpdir(), 'looptap-bench-cap-'));

const pool = Buffer.allocUnsafe(CHUNK * 64);
for (let i = 0; i < pool.length; i++) pool[i] = (i * 2654435761) >>> 24;
const chunks = Math.ceil((MB * 1024 * 1024) / CHUNK);
/** a fresh copy per chunk: the relay hands the capture a new Buffer per socket read */
const chunk = (i: number): Buffer =>
  Buffer.from(pool.subarray((i % 64) * CHUNK, (i % 64) * CHUNK + CHUNK));

interface Run {
  cpu: number;
  wall: number;
  written: number;
}

function cpuNow(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

async function viaCapture(format: 1 | 2): Promise<Run> {
  const file = path.join(DIR, `c${format}.jsonl`);
  fs.rmSync(file, { force: true });
  fs.rmSync(file + '.bin', { force: true });
  const c0 = cpuNow();
  const t0 = performance.now();
  const cap = await openCaptureFile(file, { format });
  let drained: (() => void) | undefined;
  cap.onDrain(() => drained?.());
  let offset = 0;
  for (let i = 0; i < chunks; i++) {
    const bytes = chunk(i);
    const e: DataEvent = {
      type: 'data',
      time: Date.now(),
      level: 30,
      msg: '',
      conn: 1,
      from: i % 2 ? 'server' : 'client',
      seq: i,
      offset,
      len: bytes.length,
      bytes,
    };
    offset += bytes.length;
    if (!cap.write(e)) await new Promise<void>((r) => (drained = r));
  }
  await cap.close();
  const wall = performance.now() - t0;
  const cpu = cpuNow() - c0;
  let written = fs.statSync(file).size;
  if (fs.existsSync(file + '.bin')) written += fs.statSync(file + '.bin').size;
  return { cpu, wall, written };
}

async function viaWritev(): Promise<Run> {
  const file = path.join(DIR, 'raw.bin');
  const c0 = cpuNow();
  const t0 = performance.now();
  const fd = fs.openSync(file, 'w', 0o600);
  let batch: Buffer[] = [];
  let size = 0;
  const flush = async (): Promise<void> => {
    const b = batch;
    batch = [];
    size = 0;
    await new Promise<void>((r, j) => fs.writev(fd, b, (err) => (err ? j(err) : r())));
  };
  for (let i = 0; i < chunks; i++) {
    const bytes = chunk(i);
    batch.push(bytes);
    size += bytes.length;
    if (size >= 1024 * 1024) await flush();
  }
  if (batch.length) await flush();
  fs.closeSync(fd);
  const wall = performance.now() - t0;
  const cpu = cpuNow() - c0;
  return { cpu, wall, written: fs.statSync(file).size };
}

const payload = chunks * CHUNK;
const gb = payload / 1e9;
const results: Record<string, Run[]> = {};
for (let rep = 0; rep < REPS; rep++) {
  (results['disk (fs.writev)'] ??= []).push(await viaWritev());
  for (const f of FORMATS) (results[`capture format ${f}`] ??= []).push(await viaCapture(f));
}
console.log(
  `payload ${(payload / 1048576).toFixed(0)} MiB in ${CHUNK}-byte chunks, ${REPS} runs each, medians`,
);
console.log('| path | CPU s/GB | bytes written per payload byte | MB/s (wall) |');
console.log('| --- | --- | --- | --- |');
for (const [name, runs] of Object.entries(results)) {
  const cpu = median(runs.map((r) => r.cpu)) / gb;
  const w = median(runs.map((r) => r.written)) / payload;
  const rate = payload / 1e6 / (median(runs.map((r) => r.wall)) / 1000);
  console.log(`| ${name} | ${cpu.toFixed(2)} | ${w.toFixed(3)} | ${rate.toFixed(0)} |`);
}
fs.rmSync(DIR, { recursive: true, force: true });
