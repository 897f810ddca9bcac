// Fuzzing with fixed seeds (a failure prints its seed): random bytes, mutated real sessions and
// random splits. Each run ends decoded, in a protocol fallback, or in a decoder bug (a throw, a
// "decoder error", a field or exchange that does not survive a JSON round trip, a bad mask): only
// the last fails the test. Retained memory stays bounded on huge packets.

import t from 'tap';
import v8 from 'node:v8';
import vm from 'node:vm';
import { isDeepStrictEqual } from 'node:util';
import { mysql } from '../../../src/decoders/mysql/index.js';
import { DEFAULT_DECODER_OPTIONS } from '../../../src/decoders/decoder.js';
import type { Column } from '../../../src/decoders/mysql/columns.js';
import { binaryRow, textRow } from '../../../src/decoders/mysql/rows.js';
import { CUT, TYPE } from '../../../src/decoders/mysql/values.js';
import type { Chunk } from '../../helpers/feed.js';
import { byConn, feed, loadWireSample, prng, randomSplits } from '../../helpers/feed.js';
import {
  coldef,
  command,
  eof,
  greeting,
  lenenc,
  login,
  lstr,
  mysql8,
  ok,
  packet,
  textRow as textRowPacket,
  u16,
  u32,
} from '../../helpers/mysql-frames.js';

const FIXTURE = new URL('../../fixtures/mysql/my.jsonl', import.meta.url).pathname;
const sessions = [...byConn(loadWireSample(FIXTURE)).values()];

/** what one fuzz run did: a protocol fallback is a correct answer to bad bytes; a decoder bug
 * (a throw, a "decoder error" fallback, a field that is not JSON, a bad mask) never is */
type Outcome = { kind: 'ok' | 'fallback' } | { kind: 'bug'; why: string };

/** a value that survives JSON unchanged: no undefined, NaN, Infinity, bigint, Buffer, class */
function jsonSafe(v: unknown): boolean {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return true;
  if (typeof v === 'number') return Number.isFinite(v);
  if (Array.isArray(v)) return v.every(jsonSafe);
  if (typeof v !== 'object' || Object.getPrototypeOf(v) !== Object.prototype) return false;
  return Object.values(v).every((x) => x !== undefined && jsonSafe(x));
}

function roundTrips(v: unknown): boolean {
  return jsonSafe(v) && isDeepStrictEqual(JSON.parse(JSON.stringify(v)), v);
}

function run(chunks: Chunk[], seed: number): Outcome {
  const dec = mysql.create(DEFAULT_DECODER_OPTIONS);
  const split = randomSplits(prng(seed), 40);
  const bug = (why: string): Outcome => ({ kind: 'bug', why });
  try {
    for (const c of chunks) {
      for (const piece of split(c.bytes)) {
        const step = dec.push(c.from, piece, c.t);
        for (const m of step.messages) {
          if (!roundTrips(m.fields)) return bug(`fields not JSON-safe: ${m.name}`);
        }
        for (const x of step.exchanges ?? []) {
          if (!roundTrips(x)) return bug(`exchange not JSON-safe: ${JSON.stringify(x)}`);
        }
        for (const m of step.masks ?? []) {
          if (!(m.start >= 0) || !(m.end > m.start)) return bug(`bad mask ${JSON.stringify(m)}`);
        }
        if (step.fallback?.startsWith('decoder error')) return bug(step.fallback);
        if (step.fallback) return { kind: 'fallback' };
        if (step.opaque) return { kind: 'ok' };
      }
    }
    for (const from of ['client', 'server'] as const) {
      for (const x of dec.end(from, 0).exchanges ?? []) {
        if (!roundTrips(x)) return bug(`exchange not JSON-safe: ${JSON.stringify(x)}`);
      }
    }
  } catch (e) {
    return bug(`threw: ${e instanceof Error ? e.stack : String(e)}`);
  }
  return { kind: 'ok' };
}

t.test('random bytes, after a real greeting and as the first bytes', (t) => {
  let failures = 0;
  const counts = { ok: 0, fallback: 0, bug: 0 };
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
    const r = run(chunks, seed);
    counts[r.kind]++;
    if (r.kind === 'bug' && failures++ < 3) t.fail(`seed ${seed}: ${r.why}`);
  }
  t.comment(`outcomes: ${JSON.stringify(counts)}`);
  t.equal(failures, 0, 'no decoder bug');
  t.end();
});

t.test('mutated real sessions', (t) => {
  let failures = 0;
  const counts = { ok: 0, fallback: 0, bug: 0 };
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
    const r = run(chunks, seed);
    counts[r.kind]++;
    if (r.kind === 'bug' && failures++ < 3) t.fail(`seed ${seed}: ${r.why}`);
  }
  t.comment(`outcomes: ${JSON.stringify(counts)}`);
  t.equal(failures, 0, 'no decoder bug');
  t.ok(counts.ok > 0 && counts.fallback > 0, 'both decoded and fallen-back runs happen');
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

// counts from the wire bound no loop past the packet's end: a bogus count of 2^53 over a tiny
// body ends at once, in a fallback or a cut, and what a failed read gave is never shown
const HUGE = Number.MAX_SAFE_INTEGER;
t.test('a query-attribute count of 2^53 over a tiny body: a fallback, no spin', (t) => {
  const q = command(0x03, Buffer.concat([lenenc(HUGE), lenenc(1), Buffer.from('select 1')]));
  const r = feed(mysql, mysql8(['client', q]));
  t.equal(r.fallback, `packet too short for ${Math.floor((HUGE + 7) / 8)} bytes`);
  t.notOk(
    r.messages.some((m) => m.name === 'COM_QUERY'),
    'the command is not shown',
  );
  t.end();
});

t.test('an EXECUTE parameter count of 2^53: the EXECUTE without params, with the reason', (t) => {
  const exec = command(
    0x17,
    Buffer.concat([u32(9), Buffer.from([0x08]), u32(1), lenenc(HUGE), Buffer.from([0, 1, 2])]),
  );
  const r = feed(mysql, mysql8(['client', exec]));
  t.notOk(r.fallback);
  const m = r.messages.find((x) => x.name === 'COM_STMT_EXECUTE')!;
  t.equal(m.fields.paramsError, `packet too short for ${Math.floor((HUGE + 7) / 8)} bytes`);
  t.notOk('params' in m.fields);
  t.end();
});

t.test(
  'a result set of 2^53 columns over a tiny body: its definitions are read as they come',
  (t) => {
    const r = feed(
      mysql,
      mysql8(
        ['client', command(0x03, Buffer.concat([Buffer.from([0, 1]), Buffer.from('select 1')]))],
        [
          'server',
          Buffer.concat([packet(1, lenenc(HUGE)), coldef(2, 'a'), textRowPacket(3, ['1'])]),
        ],
      ),
    );
    t.notOk(r.fallback);
    t.end();
  },
);

t.test('a column count cut inside its lenenc: a fallback with the reason', (t) => {
  const r = feed(
    mysql,
    mysql8(
      ['client', command(0x03, Buffer.concat([Buffer.from([0, 1]), Buffer.from('select 1')]))],
      ['server', packet(1, Buffer.from([0xfc, 0x01]))],
    ),
  );
  t.equal(r.fallback, 'packet too short for int<2>');
  t.end();
});

t.test('an OK whose session state claims 2^53 bytes: the OK, without the state', (t) => {
  const state = Buffer.concat([Buffer.from([0]), lenenc(HUGE), Buffer.from('ab')]);
  const okState = packet(
    1,
    Buffer.concat([Buffer.from([0, 0, 0]), u16(0x4002), u16(0), lstr(''), lstr(state)]),
  );
  const r = feed(
    mysql,
    mysql8(
      ['client', command(0x03, Buffer.concat([Buffer.from([0, 1]), Buffer.from('set x=1')]))],
      ['server', okState],
    ),
  );
  t.notOk(r.fallback);
  const m = r.messages.find((x) => x.name === 'OK' && x.fields.status === 0x4002)!;
  t.ok(m, 'the OK is shown');
  t.notOk('systemVariables' in m.fields);
  t.end();
});

t.test('a binary row cut short shows … for the value whose read went bad and after', (t) => {
  const col = (type: number): Column => ({ name: 'c', type, flags: 0, charset: 33, decimals: 0 });
  const cols = [col(TYPE.LONG), col(TYPE.LONG), col(TYPE.VAR_STRING)];
  const cut = Buffer.concat([Buffer.from([0, 0]), u32(5), Buffer.from([1, 0])]);
  t.same(binaryRow(cut, cols, 100), [5, CUT, CUT]);
  const dt = [col(TYPE.TINY), col(TYPE.DATETIME), col(TYPE.TINY)];
  t.same(
    binaryRow(Buffer.from([0, 0, 7, 7, 0xe8, 0x07]), dt, 100),
    [7, CUT, CUT],
    'a cut DATETIME',
  );
  const unknown = [col(TYPE.TINY), col(0x20), col(TYPE.TINY)];
  t.same(binaryRow(Buffer.from([0, 0, 7, 1, 2]), unknown, 100), [7, CUT, CUT], 'an unknown type');
  t.same(binaryRow(Buffer.from([0]), cols, 100), [CUT, CUT, CUT], 'no NULL bitmap');
  t.same(
    textRow(Buffer.from([1, 0x41, 0xff, 1]), cols, 100),
    ['A', CUT, CUT],
    'lenenc 0xff in a text row',
  );
  t.end();
});
