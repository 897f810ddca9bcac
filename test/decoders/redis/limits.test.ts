// Bounds of the Redis decoder: a 10 MB bulk streamed in 64 KiB pieces both ways, a bulk that
// announces 2 GB, a 1 MB simple-string line, `*1\r\n` nested 100,000 deep, and fuzzing with fixed
// seeds (random bytes, mutated real sessions, random splits): never a throw, JSON-safe messages,
// and little retained memory.

import t from 'tap';
import v8 from 'node:v8';
import vm from 'node:vm';
import { DEFAULT_DECODER_OPTIONS, type Decoded } from '../../../src/decoders/decoder.js';
import { redis } from '../../../src/decoders/redis/index.js';
import { feed, loadWireSample, prng, randomSplits } from '../../helpers/feed.js';
import { cmd, convo } from '../../helpers/redis-frames.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;
/** heap plus array buffers after a full collection (twice: array buffers are freed lazily) */
const used = (): number => {
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};
const MB = 1024 * 1024;
const PIECE = 64 * 1024;

/** pushes `total` bytes of filler in fresh 64 KiB chunks; returns the messages */
function stream(push: (b: Buffer) => Decoded[], total: number, fill = 0x78): Decoded[] {
  const out: Decoded[] = [];
  for (let sent = 0; sent < total; sent += PIECE) {
    out.push(...push(Buffer.alloc(Math.min(PIECE, total - sent), fill)));
  }
  return out;
}

t.test('a 10 MB bulk both ways, streamed in 64 KiB pieces', (t) => {
  const dec = redis.create(DEFAULT_DECODER_OPTIONS);
  const size = 10 * 1000 * 1000;
  const before = used();
  const msgs: Decoded[] = [];
  const c = (b: Buffer) => dec.push('client', b, 1).messages;
  const s = (b: Buffer) => dec.push('server', b, 2).messages;
  msgs.push(...c(Buffer.from(`*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$${size}\r\n`)));
  msgs.push(...stream(c, size));
  msgs.push(...c(Buffer.from('\r\n')));
  msgs.push(...s(Buffer.from('+OK\r\n')));
  msgs.push(...c(cmd('GET', 'big')));
  msgs.push(...s(Buffer.from(`$${size}\r\n`)));
  msgs.push(...stream(s, size));
  const grew = used() - before;
  msgs.push(...s(Buffer.from('\r\n')));
  const x64 = 'x'.repeat(64);
  t.same(
    msgs.map((m) => `${m.name} ${m.summary}`),
    [
      `command SET big ${x64}…(10000000 bytes)`,
      'reply OK',
      'command GET big',
      `reply "${x64}…" (10000000 bytes)`,
    ],
  );
  t.equal(msgs[0]!.fields.truncated, true);
  t.equal(
    (msgs[0]!.fields.command as string[])[2]!.length,
    64 * 1024 - 6 + '…(10000000 bytes)'.length,
  );
  t.match(msgs[3]!.summary, / \(10000000 bytes\)$/);
  t.equal(msgs[3]!.fields.truncated, true);
  t.equal(msgs[3]!.fields.request, 'GET');
  t.ok(grew < 4 * MB, `retained ${(grew / MB).toFixed(2)} MB while streaming 20 MB`);
  t.end();
});

t.test('a bulk announcing 2 GB, fed 50 MB: bounded, no fallback', (t) => {
  for (const from of ['client', 'server'] as const) {
    const dec = redis.create(DEFAULT_DECODER_OPTIONS);
    const head =
      from === 'client' ? '*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2147483647\r\n' : '$2147483647\r\n';
    if (from === 'server') dec.push('client', cmd('GET', 'k'), 1);
    const before = used();
    let fallback: string | undefined;
    let count = dec.push(from, Buffer.from(head), 1).messages.length;
    for (let sent = 0; sent < 50 * MB; sent += PIECE) {
      const step = dec.push(from, Buffer.alloc(PIECE, 0x41), 1);
      count += step.messages.length;
      fallback ??= step.fallback;
    }
    const grew = used() - before;
    t.equal(fallback, undefined, `${from}: no fallback`);
    t.equal(count, 0, `${from}: nothing yet`);
    t.ok(grew < 4 * MB, `${from}: retained ${(grew / MB).toFixed(2)} MB`);
  }
  t.end();
});

t.test('a 1 MB simple-string line is cut, not buffered', (t) => {
  const dec = redis.create({ ...DEFAULT_DECODER_OPTIONS, maxValue: 1000 });
  dec.push('client', cmd('MONITOR'), 1);
  dec.push('server', Buffer.from('+OK\r\n+1700000000.1 [0 127.0.0.1:1] "set" "k" "'), 2);
  const msgs = stream((b) => dec.push('server', b, 3).messages, MB);
  msgs.push(...dec.push('server', Buffer.from('"\r\n+PONG\r\n'), 4).messages);
  t.same(
    msgs.map((m) => m.name),
    ['monitor', 'reply'],
  );
  t.equal(msgs[0]!.fields.truncated, true);
  t.ok(msgs[0]!.summary.length <= 201);
  t.end();
});

t.test('*1 nested 100,000 deep: fallback, no stack overflow', (t) => {
  const deep = Buffer.from('*1\r\n'.repeat(100_000) + ':1\r\n');
  const server = feed(redis, convo(['client', cmd('GET', 'k')], ['server', deep]));
  t.match(server.fallback, /nesting deeper than/);
  const pieces = feed(
    redis,
    convo(['client', cmd('GET', 'k')], ['server', deep]),
    randomSplits(prng(7), 5000),
  );
  t.equal(pieces.fallback, server.fallback);
  const client = feed(redis, convo(['client', deep]));
  t.match(client.fallback, /expected '\$'/);
  const ok = feed(
    redis,
    convo(['client', cmd('GET', 'k')], ['server', '*1\r\n'.repeat(100) + ':1\r\n']),
  );
  t.equal(ok.fallback, undefined, '100 levels are fine');
  t.doesNotThrow(() => JSON.stringify(ok.messages));
  t.end();
});

t.test('bad framing falls back with a reason', (t) => {
  const cases: [string, string, RegExp][] = [
    ['server', '?what\r\n', /unexpected RESP type/],
    ['server', '$5\r\nhelloXX', /without CRLF/],
    ['server', '*?\r\n', /streamed/],
    ['server', '$abc\r\n', /bad RESP length/],
    ['server', '+no crlf\n', /without CRLF/],
    ['client', '*2\r\n:1\r\n', /expected '\$'/],
    ['client', '*1\r\n$-5\r\n', /bad Redis command header|negative/],
    ['client', 'SET ' + 'x'.repeat(70_000), /longer than 64 KiB/],
  ];
  for (const [from, wire, reason] of cases) {
    const r = feed(redis, convo([from as 'client', wire]));
    t.match(r.fallback, reason, JSON.stringify(wire.slice(0, 20)));
    const dec = redis.create(DEFAULT_DECODER_OPTIONS);
    dec.push(from as 'client', Buffer.from(wire, 'latin1'), 1);
    t.same(dec.push('server', Buffer.from('+OK\r\n'), 2).messages, [], 'silent after fallback');
  }
  t.end();
});

t.test('fuzz with fixed seeds: never throws, JSON-safe messages', (t) => {
  const sample = loadWireSample(
    new URL('../../fixtures/redis/redis-cli.jsonl', import.meta.url).pathname,
  );
  const alphabet = Buffer.from('*$+-:%~>|_#,(!=\r\n0123456789-?abcAUTH "\' \\x');
  let runs = 0;
  const problems: string[] = [];
  for (let seed = 1; seed <= 300; seed++) {
    const rand = prng(seed);
    const chunks = sample.map((c) => ({ ...c, conn: 1, bytes: Buffer.from(c.bytes) }));
    const mode = seed % 3;
    if (mode === 0) {
      for (const c of chunks)
        for (let i = 0; i < c.bytes.length; i++) c.bytes[i] = Math.floor(rand() * 256);
    } else {
      for (const c of chunks) {
        const flips = Math.floor(rand() * 3);
        for (let f = 0; f < flips; f++) {
          const i = Math.floor(rand() * c.bytes.length);
          c.bytes[i] =
            mode === 1 ? alphabet[Math.floor(rand() * alphabet.length)]! : Math.floor(rand() * 256);
        }
      }
    }
    for (const split of [undefined, randomSplits(prng(seed + 1000), 9)]) {
      runs++;
      try {
        const r = feed(redis, chunks, split);
        JSON.stringify(r.messages);
        if (r.fallback?.includes('decoder error')) problems.push(`seed ${seed}: ${r.fallback}`);
        if (r.masks.some((m) => !(m.end >= m.start))) problems.push(`seed ${seed}: bad mask`);
      } catch (err) {
        problems.push(`seed ${seed}: threw ${(err as Error).message}`);
      }
    }
  }
  t.same(problems, [], `${runs} fuzz runs`);
  for (let seed = 1; seed <= 50; seed++) {
    const rand = prng(seed);
    const bytes = Buffer.from(
      Array.from({ length: 2000 }, () => alphabet[Math.floor(rand() * alphabet.length)]!),
    );
    const r = feed(
      redis,
      convo(['client', cmd('GET', 'k')], ['server', bytes], ['client', bytes]),
      randomSplits(rand, 30),
    );
    t.notMatch(r.fallback ?? '', /decoder error/, `alphabet soup ${seed}`);
  }
  t.end();
});
