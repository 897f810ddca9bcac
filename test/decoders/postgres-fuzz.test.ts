// PostgreSQL decoder robustness: impossible lengths fall back, huge frames are skipped with
// bounded memory, and random bytes / mutated real sessions never throw and always give
// JSON-safe messages. Seeds are fixed so that a failure can be replayed.

// tap waits for a subtest by its returned promise: synchronous bodies are async on purpose
import t from 'tap';
import type { Test } from 'tap';
import { postgres } from '../../src/decoders/postgres/index.js';
import { DEFAULT_DECODER_OPTIONS } from '../../src/decoders/decoder.js';
import type { Chunk } from '../helpers/feed.js';
import { byConn, feed, loadWireSample, prng, randomSplits } from '../helpers/feed.js';
import * as pg from '../helpers/pg-frames.js';

const fixture = (name: string): Chunk[] =>
  loadWireSample(new URL(`../fixtures/postgres/${name}.jsonl`, import.meta.url).pathname);

t.test('impossible lengths fall back', async (t) => {
  const huge = Buffer.concat([Buffer.from('Q'), pg.i32(0x7fffffff)]);
  const r = feed(postgres, pg.session([...pg.login(), ['client', huge]]));
  t.match(r.fallback, /bad length/);
  const short = feed(
    postgres,
    pg.session([...pg.login(), ['server', Buffer.from('Z\0\0\0\x02I')]]),
  );
  t.match(short.fallback, /bad length/);
  const startup = feed(postgres, pg.session([['client', Buffer.from('00ffffff00030000', 'hex')]]));
  t.match(startup.fallback, /startup length/);
  const letter = feed(
    postgres,
    pg.session([...pg.login(), ['client', Buffer.from('!\0\0\0\x04')]]),
  );
  t.match(letter.fallback, /unknown client type/);
  const v2 = feed(postgres, pg.session([['client', Buffer.from('0000000800020000', 'hex')]]));
  t.match(v2.fallback, /unsupported protocol/);
  // after a fallback the decoder stays quiet
  const dec = postgres.create(DEFAULT_DECODER_OPTIONS);
  t.ok(dec.push('client', Buffer.from('0000000800020000', 'hex'), 1).fallback);
  t.same(dec.push('client', pg.query('select 1'), 2), { messages: [] });
});

t.test('a 1 GiB DataRow and a 60 MB COPY are skipped with bounded memory', async (t) => {
  const dec = postgres.create(DEFAULT_DECODER_OPTIONS);
  for (const c of pg.session([...pg.login(), ['client', pg.query('select big')]]))
    dec.push(c.from, c.bytes, c.t);
  dec.push('server', pg.rowDescription(['big']), 2000);
  dec.push('server', Buffer.concat([Buffer.from('D'), pg.i32(0x3fffffff)]), 2001);
  global.gc?.();
  const before = process.memoryUsage().heapUsed;
  const block = Buffer.alloc(64 * 1024, 0x78);
  for (let i = 0; i < 800; i++) dec.push('server', block, 2002); // 50 MB of the row
  global.gc?.();
  const grown = process.memoryUsage().heapUsed - before;
  t.ok(grown < 8 * 1024 * 1024, `heap grew ${Math.round(grown / 1024)} KiB`);
  // a huge Query: the sql is cut at maxValue and marked truncated
  const d2 = postgres.create({ ...DEFAULT_DECODER_OPTIONS, maxValue: 1000 });
  for (const c of pg.session(pg.login())) d2.push(c.from, c.bytes, c.t);
  const sql = 'select ' + "'x'".repeat(20000);
  const out = [];
  const q = pg.query(sql);
  for (let i = 0; i < q.length; i += 4096)
    out.push(...d2.push('client', q.subarray(i, i + 4096), 3000).messages);
  t.equal(out.length, 1);
  t.equal((out[0]!.fields.sql as string).length, 1000);
  t.equal(out[0]!.fields.truncated, true);
});

function noThrow(t: Test, chunks: Chunk[], seed: number): void {
  try {
    const r = feed(postgres, chunks, randomSplits(prng(seed), 64));
    JSON.stringify(r.messages);
    for (const m of r.messages) {
      if (typeof m.name !== 'string' || typeof m.summary !== 'string')
        throw new Error('bad message');
    }
  } catch (err) {
    t.fail(`seed ${seed}: ${String(err)}`);
  }
}

t.test('random bytes never throw', async (t) => {
  for (let seed = 1; seed <= 300; seed++) {
    const rand = prng(seed);
    const len = 1 + Math.floor(rand() * 400);
    const bytes = Buffer.from(Array.from({ length: len }, () => Math.floor(rand() * 256)));
    // start from a valid session so the typed framing gets random input too
    noThrow(t, pg.session([...pg.login(), [rand() < 0.5 ? 'client' : 'server', bytes]]), seed);
    noThrow(t, pg.session([['client', bytes]]), seed);
  }
  t.pass('300 seeds');
});

t.test('mutated real sessions never throw', async (t) => {
  const sessions = ['pg_prefer', 'pg_pgbench', 'pg_ssl'].flatMap((n) => [
    ...byConn(fixture(n)).values(),
  ]);
  for (let seed = 1; seed <= 400; seed++) {
    const rand = prng(seed);
    const base = sessions[seed % sessions.length]!;
    const chunks = base.map((c) => {
      const b = Buffer.from(c.bytes);
      for (let k = 0; k < 3; k++)
        if (rand() < 0.3) b[Math.floor(rand() * b.length)] = Math.floor(rand() * 256);
      return { ...c, bytes: b };
    });
    noThrow(t, chunks, seed);
  }
  t.pass('400 mutations');
});
