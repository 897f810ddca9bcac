// Robustness of the HTTP decoder: random bytes and mutated sessions with fixed seeds (no throw,
// JSON-safe messages, bodies within maxValue), and bounded memory on huge bodies.

import t from 'tap';
import { isDeepStrictEqual } from 'node:util';
import { http } from '../../../src/decoders/http/index.js';
import { DEFAULT_DECODER_OPTIONS, type DecodeStep } from '../../../src/decoders/decoder.js';
import type { From } from '../../../src/events.js';
import { prng, randomSplits } from '../../helpers/feed.js';
import { SESSIONS, loadFixture, run, type Step } from '../../helpers/http-sessions.js';

function check(
  t: { fail: (msg: string) => unknown },
  r: ReturnType<typeof run>,
  label: string,
  maxValue: number,
): boolean {
  for (const m of r.messages) {
    const body = m.fields.body;
    if (typeof body === 'string' && Buffer.from(body, 'base64').length > maxValue) {
      t.fail(`${label}: body over maxValue`);
      return false;
    }
    // JSON-safe means the capture line reads back as the same value (no undefined, NaN,
    // Buffer or class instance), not merely that JSON.stringify does not throw
    if (!isDeepStrictEqual(JSON.parse(JSON.stringify(m.fields)), m.fields)) {
      t.fail(`${label}: ${m.name} fields do not survive JSON: ${JSON.stringify(m.fields)}`);
      return false;
    }
  }
  return true;
}

t.test('random bytes, fixed seeds', (t) => {
  let passed = 0;
  for (let seed = 1; seed <= 300; seed++) {
    const rand = prng(seed);
    const steps: Step[] = [];
    // half the runs start with a valid request line so the decoder gets past the first line
    if (seed % 2 === 0)
      steps.push({ from: 'client', t: 0, bytes: Buffer.from('POST / HTTP/1.1\r\n') });
    for (let i = 0; i < 8; i++) {
      const len = Math.floor(rand() * 300);
      const bytes = Buffer.alloc(len);
      for (let k = 0; k < len; k++) {
        // bias towards the bytes HTTP framing cares about
        const r = rand();
        bytes[k] =
          r < 0.1
            ? 0x0d
            : r < 0.2
              ? 0x0a
              : r < 0.3
                ? 0x3a
                : r < 0.35
                  ? 0x20
                  : Math.floor(rand() * 256);
      }
      steps.push({ from: rand() < 0.5 ? 'client' : 'server', t: i, bytes });
    }
    steps.push({ end: 'server', t: 9 }, { end: 'client', t: 9 });
    const r = run(http, steps, randomSplits(prng(seed + 1000), 13), { maxValue: 64 });
    if (!check(t, r, `seed ${seed}`, 64)) break;
    passed++;
  }
  t.equal(passed, 300, 'every random session decoded within the limits, JSON-safe');
  t.end();
});

t.test('mutated sessions, fixed seeds', (t) => {
  let runs = 0;
  let passed = 0;
  for (const name of Object.keys(SESSIONS)) {
    const steps = loadFixture(name);
    for (let seed = 1; seed <= 40; seed++) {
      const rand = prng(seed * 7919);
      const mutated = steps.map((s): Step => {
        if ('end' in s) return s;
        const b = Buffer.from(s.bytes);
        const n = 1 + Math.floor(rand() * 3);
        for (let i = 0; i < n && b.length > 0; i++) {
          const at = Math.floor(rand() * b.length);
          const op = rand();
          if (op < 0.4) b[at] = Math.floor(rand() * 256);
          else if (op < 0.7) b[at] = '0123456789abcdef\r\n:; '.charCodeAt(Math.floor(rand() * 21));
          else return { ...s, bytes: Buffer.concat([b.subarray(0, at), b.subarray(at + 1)]) };
        }
        return { ...s, bytes: b };
      });
      mutated.push({ end: 'server', t: 0 });
      const r = run(http, mutated, randomSplits(prng(seed), 11), { maxValue: 16 });
      runs++;
      if (!check(t, r, `${name} seed ${seed}`, 16)) break;
      passed++;
    }
  }
  t.ok(runs >= 40, `${runs} mutated sessions ran`);
  t.equal(passed, runs, 'every mutated session decoded within the limits, JSON-safe');
  t.end();
});

function pushAll(
  dec: ReturnType<typeof http.create>,
  from: From,
  head: string,
  total: number,
  chunk: Buffer,
): DecodeStep[] {
  const steps: DecodeStep[] = [dec.push(from, Buffer.from(head), 1)];
  for (let sent = 0; sent < total; sent += chunk.length) {
    const n = Math.min(chunk.length, total - sent);
    const s = dec.push(from, n === chunk.length ? chunk : chunk.subarray(0, n), 2);
    if (s.messages.length > 0 || s.fallback) steps.push(s);
  }
  return steps;
}

t.test('10 MB body in 64 KiB chunks: truncated, bounded memory', (t) => {
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  const total = 10 * 1024 * 1024;
  const dec = http.create(DEFAULT_DECODER_OPTIONS);
  const before = process.memoryUsage().heapUsed;
  const steps = pushAll(
    dec,
    'client',
    `POST /big HTTP/1.1\r\nContent-Length: ${total}\r\n\r\n`,
    total,
    chunk,
  );
  const grown = process.memoryUsage().heapUsed - before;
  const msg = steps.flatMap((s) => s.messages)[0]!;
  t.match(msg.fields, { bodyLength: total, truncated: true });
  t.equal(Buffer.from(msg.fields.body as string, 'base64').length, 64 * 1024);
  t.ok(grown < 8 * 1024 * 1024, `heap grew ${(grown / 1e6).toFixed(1)} MB`);
  t.end();
});

t.test('chunked 10 MB response in 64 KiB chunks', (t) => {
  const dec = http.create(DEFAULT_DECODER_OPTIONS);
  dec.push('client', Buffer.from('GET /big HTTP/1.1\r\n\r\n'), 1);
  dec.push('server', Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n'), 2);
  const piece = Buffer.concat([
    Buffer.from('10000\r\n'),
    Buffer.alloc(0x10000, 0x62),
    Buffer.from('\r\n'),
  ]);
  const messages = [];
  for (let i = 0; i < 160; i++) messages.push(...dec.push('server', piece, 3).messages);
  messages.push(...dec.push('server', Buffer.from('0\r\n\r\n'), 4).messages);
  t.equal(messages.length, 1);
  t.match(messages[0]!.fields, { bodyLength: 160 * 0x10000, truncated: true });
  t.end();
});

t.test('a 1 GB Content-Length and 50 MB of body keep memory flat', (t) => {
  const chunk = Buffer.alloc(64 * 1024, 0x63);
  const dec = http.create(DEFAULT_DECODER_OPTIONS);
  dec.push('client', Buffer.from('GET / HTTP/1.1\r\n\r\n'), 1);
  const before = process.memoryUsage().heapUsed;
  const started = process.hrtime.bigint();
  const steps = pushAll(
    dec,
    'server',
    'HTTP/1.1 200 OK\r\nContent-Length: 1073741824\r\n\r\n',
    50 * 1024 * 1024,
    chunk,
  );
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const grown = process.memoryUsage().heapUsed - before;
  t.same(steps.slice(1), [], 'no message yet, no fallback');
  t.ok(grown < 8 * 1024 * 1024, `heap grew ${(grown / 1e6).toFixed(1)} MB`);
  t.comment(`50 MB of body through the decoder in ${ms.toFixed(1)} ms`);
  t.end();
});

t.test('a head that never ends falls back at 64 KiB', (t) => {
  const dec = http.create(DEFAULT_DECODER_OPTIONS);
  dec.push('client', Buffer.from('GET / HTTP/1.1\r\n'), 1);
  let fallback: string | undefined;
  for (let i = 0; i < 100 && !fallback; i++)
    fallback = dec.push('client', Buffer.from(`X-Pad-${i}: ${'p'.repeat(1000)}\r\n`), 2).fallback;
  t.equal(fallback, 'head larger than 64 KiB');
  t.end();
});

t.test('impossible framing falls back without a throw', (t) => {
  const cases: Array<[string, string]> = [
    ['POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', 'bad chunk size line'],
    [
      'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\n',
      'chunk size too large',
    ],
    [
      'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\naXX',
      'missing CRLF after chunk data',
    ],
    ['POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n', 'bad transfer-encoding'],
    ['POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n', 'bad content-length'],
    [
      'POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n',
      'ambiguous content-length',
    ],
    ['PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'HTTP/2 is not decoded'],
    ['GET /\r\n\r\n', 'bad request line'],
    ['hello world\r\n\r\n', 'bad request line'],
  ];
  for (const [text, reason] of cases) {
    const r = run(http, [{ from: 'client', t: 1, bytes: Buffer.from(text) }]);
    t.match(r.fallback, reason, JSON.stringify(text));
  }
  const srv = run(http, [{ from: 'server', t: 1, bytes: Buffer.from('SSH-2.0-OpenSSH\r\n\r\n') }]);
  t.equal(srv.fallback, 'bad status line');
  t.end();
});
