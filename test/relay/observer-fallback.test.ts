// The Observer after a decoder is out of a connection (docs/relay-guarantees.md, "Decoding"):
// a protocol fallback (DECODE_FALLBACK, level 40) and a decoder bug (a throw: DECODE_BUG, level
// 50) are told apart, both stop decoding, the data events from there carry no `protocol` (the
// view shows them raw), and the protocol's secret scanner masks every later byte of both
// directions before the chunk's data event is made. Decoders here are scripted so that each
// outcome happens exactly where the test says.

import t, { type Test } from 'tap';
import { Observer } from '../../src/relay/observer.js';
import { decoders } from '../../src/decoders/registry.js';
import type {
  Decoder,
  DecoderModule,
  DecodeStep,
  SecretScanner,
} from '../../src/decoders/decoder.js';
import { DEFAULT_DECODER_OPTIONS } from '../../src/decoders/decoder.js';
import type { CaptureEvent, DataEvent, ErrorEvent, ProtocolName } from '../../src/events.js';
import { headerScanner } from '../helpers/header-scanner.js';

const CANARY = 'c4n4ry-Zq8XwV3p';

/** a decoder that reads lines: `LOST` makes it fall back, `BOOM` makes it throw a TypeError */
function scripted(calls: { push: number }): Decoder {
  return {
    protocol: 'http',
    push(from, chunk): DecodeStep {
      calls.push++;
      const text = chunk.toString('latin1');
      if (text.includes('BOOM')) {
        const nothing = undefined as unknown as { x: number };
        return { messages: [], masks: [{ from, start: 0, end: nothing.x }] };
      }
      if (text.includes('LOST')) return { messages: [], fallback: 'bad chunk size "LOST"' };
      return {
        messages: [{ from, name: 'line', summary: text.trim(), fields: {} }],
      };
    },
    end: () => ({ messages: [] }),
  };
}

function modules(
  calls: { push: number; scanners: number },
  scanner: () => SecretScanner | undefined,
): Record<ProtocolName, DecoderModule> {
  const http: DecoderModule = {
    protocol: 'http',
    sniff: () => 'yes',
    create: () => scripted(calls),
    scanner: () => {
      calls.scanners++;
      const s = scanner();
      if (!s) throw new Error('scanner factory broke');
      return s;
    },
  };
  return { ...decoders, http };
}

function run(
  chunks: Array<['client' | 'server', string]>,
  scanner: () => SecretScanner | undefined = headerScanner,
  redact = true,
) {
  const events: CaptureEvent[] = [];
  const calls = { push: 0, scanners: 0 };
  const obs = new Observer(
    7,
    'http',
    { ...DEFAULT_DECODER_OPTIONS, redact },
    (e) => events.push(e),
    undefined,
    modules(calls, scanner),
  );
  let t = 1000;
  for (const [from, text] of chunks) obs.data(from, Buffer.from(text, 'latin1'), t++);
  obs.end('client', t);
  obs.close();
  const data = events.filter((e): e is DataEvent => e.type === 'data');
  const errors = events.filter((e): e is ErrorEvent => e.type === 'error');
  const recorded = data.map((d) => d.bytes.toString('latin1')).join('');
  return { events, data, errors, calls, recorded };
}

/** the canary must not be in the recorded bytes in clear, as hex, or in their base64 */
function noCanary(t: Test, recorded: string, what: string): void {
  const bytes = Buffer.from(recorded, 'latin1');
  t.notOk(recorded.includes(CANARY), `${what}: not in clear`);
  t.notOk(bytes.toString('hex').includes(Buffer.from(CANARY).toString('hex')), `${what}: not hex`);
  t.notOk(
    bytes.toString('base64').includes(Buffer.from(CANARY).toString('base64').slice(0, 12)),
    `${what}: not base64`,
  );
}

const SESSION: Array<['client' | 'server', string]> = [
  ['client', 'GET / HTTP/1.1\r\n'],
  ['client', 'LOST\r\n'],
  ['client', `GET /again HTTP/1.1\r\nAuthorization: Bearer ${CANARY}\r\n\r\n`],
  // split inside the header name and inside the value
  ['server', 'HTTP/1.1 200 OK\r\nAuthoriz'],
  ['server', `ation: Basic ${CANARY.slice(0, 6)}`],
  ['server', `${CANARY.slice(6)}\r\nContent-Length: 0\r\n\r\n`],
];

t.test('a protocol fallback: DECODE_FALLBACK, raw from there, the scanner masks', async (t) => {
  const r = run(SESSION);
  t.equal(r.errors.length, 1, 'one error event');
  const e = r.errors[0]!;
  t.equal(e.code, 'DECODE_FALLBACK');
  t.equal(e.level, 40, 'a warning: the peer sent what the decoder does not read');
  t.match(e.message, /http decoder lost track at client byte 16 \(bad chunk size "LOST"\)/);
  t.equal(r.calls.push, 2, 'the decoder is not fed after it fell back');
  t.equal(r.calls.scanners, 1, 'one scanner for the connection');
  // the error comes before the data event of the chunk it happened in, so a view can show it raw
  const at = r.events.indexOf(e);
  t.equal(r.events[at + 1]?.type, 'data', 'the fallback chunk follows its error event');
  t.same(
    r.data.map((d) => d.protocol),
    ['http', undefined, undefined, undefined, undefined, undefined],
    'data events after the fallback carry no protocol (shown raw)',
  );
  noCanary(t, r.recorded, 'client and server bytes after the fallback');
  t.match(
    r.recorded,
    /GET \/again HTTP\/1.1\r\nAuthorization: \*{22}\r\n\r\n/,
    'only the value is masked',
  );
  t.match(
    r.recorded,
    /OK\r\nAuthorization: \*{21}\r\nContent-Length/,
    'a value split across chunks',
  );
  t.equal(
    r.data.reduce((n, d) => n + (d.redacted ?? 0), 0),
    'Bearer '.length + 'Basic '.length + 2 * CANARY.length,
    'redacted counts add up to both values',
  );
});

t.test('a decoder bug: DECODE_BUG at level 50 names the exception', async (t) => {
  const r = run([
    ['client', 'GET / HTTP/1.1\r\n'],
    ['client', 'BOOM\r\n'],
    ['client', `Authorization: ${CANARY}\r\n`],
    ['server', `Authorization: ${CANARY}\r\n`],
  ]);
  t.equal(r.errors.length, 1);
  const e = r.errors[0]!;
  t.equal(e.code, 'DECODE_BUG', 'a bug is not reported as a protocol fallback');
  t.equal(e.level, 50);
  t.match(e.message, /http decoder bug at client byte 16: TypeError: Cannot read properties/);
  t.match(e.message, /\(at .*observer-fallback\.test\.ts/, 'names where it was thrown');
  t.equal(r.calls.push, 2, 'decoding stopped');
  t.same(
    r.data.map((d) => d.protocol),
    ['http', undefined, undefined, undefined],
  );
  noCanary(t, r.recorded, 'after a bug');
});

t.test('a scanner that throws: DECODE_BUG and every later byte masked', async (t) => {
  const broken = (): SecretScanner => ({
    push: () => {
      throw new RangeError('scanner off the end');
    },
  });
  const r = run(
    [
      ['client', 'LOST\r\n'],
      ['client', `Authorization: ${CANARY}\r\n`],
      ['server', `anything ${CANARY}`],
    ],
    broken,
  );
  t.same(
    r.errors.map((e) => e.code),
    ['DECODE_FALLBACK', 'DECODE_BUG'],
  );
  t.match(r.errors[1]!.message, /secret scanner bug .*RangeError: scanner off the end/);
  t.match(r.recorded, /^\*+$/, 'nothing of the connection recorded in clear from there');
  noCanary(t, r.recorded, 'after a scanner bug');
});

t.test('a scanner factory that throws masks everything too', async (t) => {
  const r = run(
    [
      ['client', 'LOST\r\n'],
      ['server', `Authorization: ${CANARY}\r\n`],
    ],
    () => undefined,
  );
  t.same(
    r.errors.map((e) => e.code),
    ['DECODE_FALLBACK', 'DECODE_BUG'],
  );
  noCanary(t, r.recorded, 'no scanner');
});

t.test('--no-redact: no scanner, bytes kept', async (t) => {
  const r = run(
    [
      ['client', 'LOST\r\n'],
      ['client', `Authorization: ${CANARY}\r\n`],
    ],
    headerScanner,
    false,
  );
  t.equal(r.calls.scanners, 0, 'no scanner is made');
  t.ok(r.recorded.includes(CANARY), 'the user asked to keep secrets');
});

t.test('a protocol without a scanner still falls back cleanly', async (t) => {
  const events: CaptureEvent[] = [];
  const calls = { push: 0, scanners: 0 };
  const table = modules(calls, headerScanner);
  const plain: DecoderModule = { ...table.http };
  delete plain.scanner;
  const obs = new Observer(1, 'http', DEFAULT_DECODER_OPTIONS, (e) => events.push(e), undefined, {
    ...table,
    http: plain,
  });
  obs.data('client', Buffer.from('LOST'), 1);
  obs.data('server', Buffer.from('hello'), 2);
  const data = events.filter((e): e is DataEvent => e.type === 'data');
  t.same(
    data.map((d) => [d.protocol, d.bytes.toString()]),
    [
      [undefined, 'LOST'],
      [undefined, 'hello'],
    ],
  );
});
