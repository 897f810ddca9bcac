// PostgreSQL decoder robustness: impossible lengths fall back, huge frames are skipped with
// bounded memory, and random bytes / mutated sessions never hit a decoder bug. A bug (a throw,
// a "decoder error" fallback, fields that do not survive JSON unchanged) fails the test; a
// protocol fallback on bytes that are not PostgreSQL is a pass. Seeds are fixed for replaying.

// tap waits for a subtest by its returned promise: synchronous bodies are async on purpose
import t from 'tap';
import type { Test } from 'tap';
import { postgres } from '../../../src/decoders/postgres/index.js';
import { DEFAULT_DECODER_OPTIONS } from '../../../src/decoders/decoder.js';
import { isDeepStrictEqual } from 'node:util';
import v8 from 'node:v8';
import vm from 'node:vm';
import type { Decoder, DecoderModule } from '../../../src/decoders/decoder.js';
import type { Chunk } from '../../helpers/feed.js';
import { byConn, feed, loadWireSample, prng, randomSplits } from '../../helpers/feed.js';
import type { PgFeed } from '../../helpers/pg-feed.js';
import { feedPg, notJson } from '../../helpers/pg-feed.js';
import * as pg from '../../helpers/pg-frames.js';

const fixture = (name: string): Chunk[] =>
  loadWireSample(new URL(`../../fixtures/postgres/${name}.jsonl`, import.meta.url).pathname);

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

type Outcome = 'clean' | 'fallback' | { bug: string };

/** What feeding `chunks` did: decoded cleanly, fell back on bytes that are not the protocol, or
 * hit a decoder bug (it threw, said "decoder error", or gave fields that are not plain JSON). */
function outcome(mod: DecoderModule, chunks: Chunk[], seed: number): Outcome {
  let r: PgFeed;
  try {
    r = feedPg(chunks, randomSplits(prng(seed), 64), {}, mod);
  } catch (err) {
    return { bug: `threw ${String(err)}` };
  }
  if (r.fallback?.startsWith('decoder error')) return { bug: r.fallback };
  for (const m of r.messages) {
    if (typeof m.name !== 'string' || typeof m.summary !== 'string') return { bug: 'bad message' };
    const bad = notJson(m.fields, m.name);
    if (bad) return { bug: bad };
    if (!isDeepStrictEqual(JSON.parse(JSON.stringify(m.fields)), m.fields))
      return { bug: `${m.name} fields change through JSON` };
  }
  for (const x of r.exchanges) {
    const bad = notJson({ request: x.request, response: x.response ?? null }, 'exchange');
    if (bad) return { bug: bad };
  }
  return r.fallback ? 'fallback' : 'clean';
}

function tally(t: Test, mod: DecoderModule, cases: Array<[Chunk[], number]>) {
  const counts = { clean: 0, fallback: 0, bugs: 0 };
  for (const [chunks, seed] of cases) {
    const o = outcome(mod, chunks, seed);
    if (typeof o === 'string') counts[o]++;
    else {
      counts.bugs++;
      t.fail(`seed ${seed}: decoder bug: ${o.bug}`);
    }
  }
  t.comment(`${counts.clean} clean, ${counts.fallback} protocol fallbacks, ${counts.bugs} bugs`);
  return counts;
}

t.test('a decoder bug is a failing outcome, not a fallback', async (t) => {
  // a decoder that trips over its own code on the first Query
  const broken: DecoderModule = {
    ...postgres,
    create: (o) => {
      const d = postgres.create(o);
      return {
        protocol: d.protocol,
        end: (f, time) => d.end(f, time),
        push: (f, chunk, time) => {
          if (f === 'client' && chunk.includes(0x51)) throw new TypeError('x is undefined');
          return d.push(f, chunk, time);
        },
      };
    },
  };
  const session = pg.session([...pg.login(), ['client', pg.query('select 1')]]);
  t.match(outcome(broken, session, 1), { bug: /TypeError/ });
  t.equal(outcome(postgres, session, 1), 'clean');
  // and the decoder's own catch says "decoder error", which the check counts as a bug
  const dec = postgres.create(DEFAULT_DECODER_OPTIONS) as unknown as { drain: () => void };
  const real = dec as unknown as Decoder;
  dec.drain = () => {
    throw new RangeError('offset out of range');
  };
  t.match(real.push('client', pg.startup({ user: 'a' }), 1).fallback, /^decoder error: RangeError/);
});

t.test('random bytes: no decoder bug', async (t) => {
  const cases: Array<[Chunk[], number]> = [];
  for (let seed = 1; seed <= 300; seed++) {
    const rand = prng(seed);
    const len = 1 + Math.floor(rand() * 400);
    const bytes = Buffer.from(Array.from({ length: len }, () => Math.floor(rand() * 256)));
    // start from a valid session so the typed framing gets random input too
    cases.push([pg.session([...pg.login(), [rand() < 0.5 ? 'client' : 'server', bytes]]), seed]);
    cases.push([pg.session([['client', bytes]]), seed]);
  }
  const c = tally(t, postgres, cases);
  t.equal(c.bugs, 0);
  t.ok(c.fallback > 100, 'random bytes mostly fall back');
});

t.test('mutated real sessions: no decoder bug', async (t) => {
  const sessions = ['pg_prefer', 'pg_pgbench', 'pg_ssl'].flatMap((n) => [
    ...byConn(fixture(n)).values(),
  ]);
  const cases: Array<[Chunk[], number]> = [];
  for (let seed = 1; seed <= 400; seed++) {
    const rand = prng(seed);
    const base = sessions[seed % sessions.length]!;
    const chunks = base.map((c) => {
      const b = Buffer.from(c.bytes);
      for (let k = 0; k < 3; k++)
        if (rand() < 0.3) b[Math.floor(rand() * b.length)] = Math.floor(rand() * 256);
      return { ...c, bytes: b };
    });
    cases.push([chunks, seed]);
  }
  const c = tally(t, postgres, cases);
  t.equal(c.bugs, 0);
  t.ok(c.clean > 0 && c.fallback > 0, 'both outcomes reached');
});

t.test('mutated synthetic sessions with values and exchanges: no decoder bug', async (t) => {
  const b = (hex: string): Buffer => Buffer.from(hex, 'hex');
  const base = pg.session([
    ...pg.login(),
    [
      'client',
      [
        pg.parse('s', 'select $1', [1700]),
        pg.bind('', 's', [b('0003000100000003000109291a7c')], [1], [1]),
        pg.describe('P'),
        pg.execute(),
        pg.sync(),
      ],
    ],
    [
      'server',
      [
        pg.parseComplete(),
        pg.bindComplete(),
        pg.rowDescriptionTyped([
          ['n', 1700, 1],
          ['t', 1184, 1],
          ['j', 3802, 1],
          ['d', 1082, 0],
        ]),
        pg.dataRow([
          b('0003000100000003000109291a7c'),
          b('0002b58341728614'),
          b('017b7d'),
          '2024-01-01',
        ]),
        pg.commandComplete('SELECT 1'),
        pg.ready('I'),
      ],
    ],
  ]);
  const cases: Array<[Chunk[], number]> = [];
  for (let seed = 1; seed <= 400; seed++) {
    const rand = prng(seed);
    cases.push([
      base.map((c) => {
        const bytes = Buffer.from(c.bytes);
        for (let k = 0; k < 4; k++)
          if (rand() < 0.5) bytes[Math.floor(rand() * bytes.length)] = Math.floor(rand() * 256);
        return { ...c, bytes };
      }),
      seed,
    ]);
  }
  t.equal(tally(t, postgres, cases).bugs, 0);
});

t.test('statements, portals and pipelined requests keep bounded memory', async (t) => {
  // a real collection before each reading (tap does not pass --expose-gc); parameters are
  // Buffers, whose bytes live outside the JS heap
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  const heap = (): number => {
    gc();
    const m = process.memoryUsage();
    return m.heapUsed + m.arrayBuffers;
  };
  // 3000 named statements of 20 KiB each, prepared and answered, never closed
  const pad = 'x'.repeat(20 * 1024);
  const answer = Buffer.concat([pg.parseComplete(), pg.ready('I')]);
  // warm up on a throwaway decoder first: compiled code and coverage counters land on the heap
  // too, and they are not what this test bounds (under the full suite they broke a 16 MiB bound)
  const warm = postgres.create(DEFAULT_DECODER_OPTIONS);
  for (const c of pg.session(pg.login())) warm.push(c.from, c.bytes, c.t);
  for (let i = 0; i < 300; i++) {
    warm.push('client', Buffer.concat([pg.parse(`w${i}`, `select '${pad}', ${i}`), pg.sync()]), 2);
    warm.push('server', answer, 3);
    warm.push('client', Buffer.concat([pg.bind('', '', ['y']), pg.execute()]), 5);
  }
  const dec = postgres.create(DEFAULT_DECODER_OPTIONS);
  for (const c of pg.session(pg.login())) dec.push(c.from, c.bytes, c.t);
  const before = heap();
  for (let i = 0; i < 3000; i++) {
    dec.push('client', Buffer.concat([pg.parse(`s${i}`, `select '${pad}', ${i}`), pg.sync()]), 2);
    dec.push('server', answer, 3);
  }
  const grown = heap() - before;
  // 60 MB of statements went in; the caps keep 2 Mi characters of SQL. The bound leaves room for
  // what a collection under the full suite (coverage on, other files running) fails to free: the
  // reading varied from 2 to 18 MiB there, while an uncapped decoder keeps all 60 MB
  t.ok(grown < 32 * 1024 * 1024, `3000 x 20 KiB statements: heap grew ${grown >> 10} KiB`);

  // 20000 pipelined Bind/Execute with 16 KiB parameters that no answer ever pops
  const d2 = postgres.create(DEFAULT_DECODER_OPTIONS);
  for (const c of pg.session(pg.login())) d2.push(c.from, c.bytes, c.t);
  d2.push('client', pg.parse('', 'select $1'), 4);
  const before2 = heap();
  const batch = Buffer.concat([pg.bind('', '', ['y'.repeat(16 * 1024)]), pg.execute()]);
  for (let i = 0; i < 20000; i++) d2.push('client', batch, 5);
  const grown2 = heap() - before2;
  // 320 MB of Binds went in; an uncapped queue keeps them all (readings under load: 26-71 MiB)
  t.ok(grown2 < 128 * 1024 * 1024, `20000 pipelined 16 KiB Binds: heap grew ${grown2 >> 10} KiB`);
});
