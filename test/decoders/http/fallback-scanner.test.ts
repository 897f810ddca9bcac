// Issue 9: a decoder that stops understanding must not stop protecting. After the HTTP decoder
// gives up on a connection (duplicate Content-Length, a bad chunk size, a head over 64 KiB),
// the http module's SecretScanner still masks later Authorization, Cookie and X-Api-Key values
// and secret query values, whatever the chunking; bytes held before an Upgrade answer are
// masked too. The last test runs through the real relay: it is marked todo until the Observer
// calls DecoderModule.scanner after a fallback (another branch wires that call).

import t from 'tap';
import net from 'node:net';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { http } from '../../../src/decoders/http/index.js';
import type { Mask, SecretScanner } from '../../../src/decoders/decoder.js';
import { DEFAULT_DECODER_OPTIONS } from '../../../src/decoders/decoder.js';
import type { From } from '../../../src/events.js';
import { MemorySink, startRelay } from '../../../src/index.js';
import type { DataEvent } from '../../../src/index.js';
import {
  oneByte,
  prng,
  randomSplits,
  secretForms,
  splitAt,
  type Splitter,
} from '../../helpers/feed.js';

const BEARER = 'CANARYafterFallbackBearer71';
const COOKIE = 'CANARYafterFallbackCookie72';
const APIKEY = 'CANARYafterFallbackKey73';
const QUERY = 'CANARYafterFallbackQuery74';
const SECRETS = [BEARER, COOKIE, APIKEY, QUERY];
const FORMS = SECRETS.flatMap((s) => secretForms(s));

const BREAKERS: Record<string, string> = {
  'duplicate content-length':
    'POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd',
  'bad chunk size': 'POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
  'head over 64 KiB': `GET /a HTTP/1.1\r\nX-Big: ${'b'.repeat(70_000)}\r\n`,
};
const LATER =
  `\r\nGET /next?x=1&access_token=${QUERY} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${BEARER}\r\n` +
  `Cookie: ${COOKIE}\r\nX-Api-Key:${APIKEY}\r\nX-Trace: keep-me\r\n\r\n`;

function masked(stream: Buffer, masks: Mask[]): Buffer {
  const out = Buffer.from(stream);
  for (const m of masks) out.fill(0x2a, m.start, Math.min(out.length, m.end));
  return out;
}

const text = (b: Buffer) =>
  `${b.toString('latin1')}\n${b.toString('base64')}\n${b.toString('hex')}`;

/** the decoder until it falls back, then (as the Observer does) the module's scanner, asked for
 * with the same options right after the fallback, on every later chunk */
function run(first: string, split: Splitter): { masks: Mask[]; stream: Buffer; fellBack: string } {
  const options = { ...DEFAULT_DECODER_OPTIONS };
  const dec = http.create(options);
  let scanner: SecretScanner | undefined;
  const stream = Buffer.from(first + LATER, 'latin1');
  const masks: Mask[] = [];
  let fellBack = '';
  let offset = 0;
  for (const piece of split(stream)) {
    if (!scanner) {
      const step = dec.push('client', Buffer.from(piece), 1);
      masks.push(...(step.masks ?? []));
      if (step.fallback) {
        fellBack = step.fallback;
        scanner = http.scanner!(options);
      }
    } else masks.push(...scanner.push('client', piece, offset));
    offset += piece.length;
  }
  return { masks, stream, fellBack };
}

t.test('after each kind of fallback, later credentials are masked, any chunking', (t) => {
  const splitters: Array<[string, Splitter]> = [
    ['whole', (b) => [b]],
    ['one byte', oneByte],
    ...[10, 60, 80, 95, 120].map((n): [string, Splitter] => [`at ${n}`, splitAt(n)]),
    ...Array.from({ length: 12 }, (_, i): [string, Splitter] => [
      `seed ${i}`,
      randomSplits(prng(i + 31), 23),
    ]),
  ];
  for (const [kind, first] of Object.entries(BREAKERS)) {
    let bad = 0;
    for (const [label, split] of splitters) {
      // one byte at a time through a 70 KB head is quadratic in the ByteQueue: skip that one
      if (label === 'one byte' && first.length > 1000) continue;
      const r = run(first, split);
      const out = masked(r.stream, r.masks);
      const leaks = FORMS.filter((f) => text(out).includes(f));
      if (!r.fellBack || leaks.length > 0 || !out.includes('X-Trace: keep-me')) {
        bad++;
        t.fail(`${kind}, ${label}: fallback "${r.fellBack}", leaked ${leaks.join(', ')}`);
      }
    }
    t.equal(bad, 0, `${kind}: ${splitters.length} chunkings, nothing leaked, the rest readable`);
  }
  t.end();
});

t.test('the decoder masks the rest of the chunk it gave up on by itself', (t) => {
  for (const [kind, first] of Object.entries(BREAKERS)) {
    const dec = http.create({ ...DEFAULT_DECODER_OPTIONS });
    const stream = Buffer.from(first + LATER, 'latin1');
    const step = dec.push('client', stream, 1);
    t.ok(step.fallback, `${kind}: fell back`);
    const out = masked(stream, step.masks ?? []);
    t.same(
      FORMS.filter((f) => text(out).includes(f)),
      [],
      `${kind}: nothing leaked from the fallback chunk`,
    );
  }
  t.end();
});

t.test('the scanner alone: names stay, values go, across chunk edges', (t) => {
  const scanner = http.scanner!(DEFAULT_DECODER_OPTIONS);
  const stream = Buffer.from(`garbage${LATER}`, 'latin1');
  const masks: Mask[] = [];
  let o = 0;
  for (const p of oneByte(stream)) {
    masks.push(...scanner.push('server', p, o));
    o += p.length;
  }
  const out = masked(stream, masks).toString('latin1');
  t.match(out, /Authorization:\*+\r\nCookie:\*+\r\nX-Api-Key:\*+\r\n/);
  t.match(out, /GET \/next\?x=1&access_token=\*+ HTTP\/1\.1/);
  t.ok(
    masks.every((m) => m.end - m.start === 1),
    'one-byte chunks give in-chunk ranges',
  );
  const off = http.scanner!({ ...DEFAULT_DECODER_OPTIONS, redact: false });
  t.same(off.push('client', stream, 0), [], '--no-redact: no masks');
  t.end();
});

t.test('client bytes held before an Upgrade answer are masked when they arrive', (t) => {
  const dec = http.create(DEFAULT_DECODER_OPTIONS);
  const up =
    'GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n\r\n';
  const next = `GET /b HTTP/1.1\r\nAuthorization: Bearer ${BEARER}\r\n\r\n`;
  const masks: Mask[] = [];
  masks.push(...(dec.push('client', Buffer.from(up), 1).masks ?? []));
  masks.push(...(dec.push('client', Buffer.from(next), 2).masks ?? []));
  const client = masked(Buffer.from(up + next), masks);
  t.notOk(text(client).includes(BEARER), 'held Authorization masked before the answer');
  const res = dec.push('server', Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'), 3);
  t.ok(
    res.messages.some((m) => m.name === 'request' && m.fields.url === '/b'),
    'after a plain answer the held request is decoded',
  );
  t.end();
});

const wired = readFileSync(
  new URL('../../../src/relay/observer.ts', import.meta.url),
  'utf8',
).includes('.scanner');

t.test(
  'through the relay: a fallback connection keeps masking (needs the Observer wiring)',
  { todo: wired ? false : 'the Observer does not call DecoderModule.scanner yet' },
  async (t) => {
    const upstream = net.createServer((s) => s.resume().on('end', () => s.end()));
    upstream.listen(0, '127.0.0.1');
    await once(upstream, 'listening');
    t.teardown(() => upstream.close());
    const sink = new MemorySink();
    const relay = await startRelay({
      target: String((upstream.address() as net.AddressInfo).port),
      decode: 'http',
      sinks: [sink],
    });
    t.teardown(() => relay.close());
    const c = net.connect(relay.port, '127.0.0.1');
    await once(c, 'connect');
    c.write(BREAKERS['duplicate content-length']!);
    // the fallback chunk first, the credentials in later chunks: wait for the fallback event
    await sink.waitFor((e) => e.type === 'error' && e.code === 'DECODE_FALLBACK');
    c.end(LATER);
    c.resume();
    await once(c, 'close');
    await relay.close();
    const data = sink.events.filter((e): e is DataEvent => e.type === 'data');
    const client = Buffer.concat(
      data.filter((e) => e.from === ('client' as From)).map((e) => e.bytes),
    );
    t.ok(
      sink.events.some((e) => e.type === 'error' && e.code === 'DECODE_FALLBACK'),
      'fell back',
    );
    t.same(
      FORMS.filter((f) => text(client).includes(f)),
      [],
      'no canary in the data events',
    );
  },
);
