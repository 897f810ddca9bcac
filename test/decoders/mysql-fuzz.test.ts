// Fuzzing with fixed seeds (a failure prints its seed): random bytes, mutated real sessions and
// random splits never make the decoder throw, every message is JSON, and retained memory stays
// bounded on huge packets.

import t from 'tap';
import v8 from 'node:v8';
import vm from 'node:vm';
import { mysql } from '../../src/decoders/mysql/index.js';
import { DEFAULT_DECODER_OPTIONS } from '../../src/decoders/decoder.js';
import type { Chunk } from '../helpers/feed.js';
import { byConn, loadWireSample, prng, randomSplits } from '../helpers/feed.js';
import {
  coldef,
  command,
  eof,
  greeting,
  lenenc,
  login,
  ok,
  packet,
} from '../helpers/mysql-frames.js';

const FIXTURE = new URL('../fixtures/mysql/my.jsonl', import.meta.url).pathname;
const sessions = [...byConn(loadWireSample(FIXTURE)).values()];

function run(chunks: Chunk[], seed: number): string | undefined {
  const dec = mysql.create(DEFAULT_DECODER_OPTIONS);
  const split = randomSplits(prng(seed), 40);
  try {
    for (const c of chunks) {
      for (const piece of split(c.bytes)) {
        const step = dec.push(c.from, piece, c.t);
        JSON.stringify(step.messages);
        for (const m of step.masks ?? []) {
          if (!(m.start >= 0) || !(m.end >= m.start)) return `bad mask ${JSON.stringify(m)}`;
        }
        if (step.opaque || step.fallback) return undefined;
      }
    }
    dec.end('client', 0);
    dec.end('server', 0);
  } catch (e) {
    return `threw: ${e instanceof Error ? e.stack : String(e)}`;
  }
  return undefined;
}

t.test('random bytes, after a real greeting and as the first bytes', (t) => {
  let failures = 0;
  for (let seed = 1; seed <= 400; seed++) {
    const rand = prng(seed);
    const junk = (n: number): Buffer =>
      Buffer.from(Array.from({ length: n }, () => (rand() * 256) | 0));
    const chunks: Chunk[] = [];
    if (seed % 2) chunks.push(...sessions[0]!.slice(0, 3));
    for (let i = 0; i < 6; i++) {
      chunks.push({
        conn: 1,
        from: rand() < 0.5 ? 'client' : 'server',
        t: i,
        bytes: junk(1 + ((rand() * 300) | 0)),
      });
    }
    const err = run(chunks, seed);
    if (err && failures++ < 3) t.fail(`seed ${seed}: ${err}`);
  }
  t.equal(failures, 0);
  t.end();
});

t.test('mutated real sessions', (t) => {
  let failures = 0;
  for (let seed = 1; seed <= 1500; seed++) {
    const rand = prng(seed);
    const base = sessions[seed % sessions.length]!;
    const chunks = base.map((c) => ({ ...c, bytes: Buffer.from(c.bytes) }));
    const flips = 1 + ((rand() * 4) | 0);
    for (let i = 0; i < flips; i++) {
      const c = chunks[(rand() * chunks.length) | 0]!;
      const at = (rand() * c.bytes.length) | 0;
      c.bytes[at] = rand() < 0.3 ? [0x00, 0xfe, 0xff, 0xfb][(rand() * 4) | 0]! : (rand() * 256) | 0;
    }
    const err = run(chunks, seed);
    if (err && failures++ < 3) t.fail(`seed ${seed}: ${err}`);
  }
  t.equal(failures, 0);
  t.end();
});

function gc(): void {
  v8.setFlagsFromString('--expose-gc');
  (vm.runInNewContext('gc') as () => void)();
}

async function used(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((r) => setImmediate(r));
  }
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

t.test('a 1 GB packet in continuation frames: 50 MB of it, memory stays flat', async (t) => {
  const dec = mysql.create(DEFAULT_DECODER_OPTIONS);
  for (const c of [greeting(), login(), ok(2)].entries()) {
    dec.push(c[0] === 1 ? 'client' : 'server', c[1], 0);
  }
  const before = await used();
  // a COM_QUERY announced as a continued frame, then 50 MB of body in 64 KiB chunks, with a new
  // 0xffffff frame header every 16 MiB
  let inFrame = 0xffffff;
  let seq = 0;
  const header = (): Buffer => Buffer.from([0xff, 0xff, 0xff, seq++ & 0xff]);
  dec.push('client', header(), 1);
  dec.push('client', Buffer.from([0x03]), 1);
  inFrame--;
  let sent = 0;
  let fallback: string | undefined;
  while (sent < 50 * 1024 * 1024) {
    const n = Math.min(65536, inFrame);
    fallback ??= dec.push('client', Buffer.alloc(n, 0x61), 2).fallback;
    sent += n;
    inFrame -= n;
    if (inFrame === 0) {
      dec.push('client', header(), 2);
      inFrame = 0xffffff;
    }
  }
  t.notOk(fallback);
  const growth = (await used()) - before;
  t.ok(growth < 8 * 1024 * 1024, `retained growth ${(growth / 1048576).toFixed(1)} MB < 8 MB`);
});

t.test('50 MB of result rows are skipped by length', async (t) => {
  const dec = mysql.create(DEFAULT_DECODER_OPTIONS);
  dec.push('server', greeting(), 0);
  dec.push('client', login(), 0);
  dec.push('server', ok(2), 0);
  dec.push('client', command(0x03, 'select x from big'), 0);
  dec.push('server', Buffer.concat([packet(1, lenenc(1)), coldef(2, 'x'), eof(3)]), 1);
  const before = await used();
  const row = Buffer.alloc(1004, 0x62);
  row.writeUIntLE(1000, 0, 3);
  row[4] = 0xfc;
  row.writeUInt16LE(997, 5);
  const chunk = Buffer.concat(Array.from({ length: 64 }, () => row));
  const t0 = performance.now();
  let fallback: string | undefined;
  for (let i = 0; i < 800; i++) fallback ??= dec.push('server', Buffer.from(chunk), 2).fallback;
  t.notOk(fallback);
  const ms = performance.now() - t0;
  const growth = (await used()) - before;
  t.ok(growth < 8 * 1024 * 1024, `retained growth ${(growth / 1048576).toFixed(1)} MB`);
  t.comment(`51200 rows, 51 MB skipped in ${ms.toFixed(0)} ms`);
  const end = dec.push('server', eof(5), 3);
  t.equal(end.messages[0]?.name, 'ResultSet');
  t.equal(end.messages[0]?.fields.rows, 51200);
});
