// Auto-detection of HTTP/1.x clients, and the message builders that HTTP mode shares.

import t from 'tap';
import { http } from '../../../src/decoders/http/index.js';
import {
  requestMessage,
  responseMessage,
  upgradeMessage,
} from '../../../src/decoders/http/message.js';
import { DEFAULT_DECODER_OPTIONS } from '../../../src/decoders/decoder.js';

const sniff = (s: string | Buffer, from: 'client' | 'server' = 'client'): string =>
  http.sniff(from, Buffer.isBuffer(s) ? s : Buffer.from(s, 'latin1'));

t.test('sniff', (t) => {
  t.equal(sniff('GET / HTTP/1.1\r\nHost: x\r\n\r\n'), 'yes');
  t.equal(sniff('OPTIONS * HTTP/1.0\n'), 'yes');
  t.equal(sniff('PROPFIND /dav/a%20b HTTP/1.1\r\n'), 'yes');
  t.equal(sniff('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), 'no', 'HTTP/2 prior knowledge stays raw');
  t.equal(sniff('GET foo\r\n'), 'no', 'Redis inline GET');
  t.equal(sniff('SET key value\r\n'), 'no', 'Redis inline SET');
  t.equal(sniff('PING\r\n'), 'no');
  t.equal(sniff('*1\r\n$4\r\nPING\r\n'), 'no', 'RESP');
  t.equal(sniff(Buffer.from('0000000804d2162f', 'hex')), 'no', 'PG SSLRequest');
  t.equal(sniff(Buffer.from('16030100', 'hex')), 'no', 'TLS');
  t.equal(sniff('get / HTTP/1.1\r\n'), 'no', 'lower-case method');
  t.equal(sniff('GE / HTTP/1.1\r\n'), 'no', 'method too short');
  t.equal(sniff('ABCDEFGHIJK / HTTP/1.1\r\n'), 'no', 'method too long');
  t.equal(sniff('GET  / HTTP/1.1\r\n'), 'no', 'two spaces');
  t.equal(sniff('GET / HTTP/1.1\rX'), 'no');
  t.equal(sniff('GET / HTTP/1.1\r\n', 'server'), 'no', 'servers do not speak first');
  const full = 'GET /some/path?q=1 HTTP/1.1\r\n';
  for (let i = 0; i < full.length; i++) t.equal(sniff(full.slice(0, i)), 'more', `prefix ${i}`);
  t.equal(sniff(`GET /${'a'.repeat(3000)}`), 'no', 'gives up after 2 KiB');
  t.equal(sniff(`GET /${'a'.repeat(100)}`), 'more');
  t.end();
});

t.test('builders take Node-style headers (object and rawHeaders)', (t) => {
  const opts = DEFAULT_DECODER_OPTIONS;
  const fromObject = requestMessage(
    {
      method: 'POST',
      url: '/x',
      version: '1.1',
      headers: { host: 'h', authorization: 'Bearer s3cret', 'x-multi': ['a', 'b'] },
      body: Buffer.from('hi'),
    },
    opts,
  );
  t.match(fromObject, {
    from: 'client',
    name: 'request',
    summary: 'POST /x',
    fields: {
      version: 'HTTP/1.1',
      headers: { host: 'h', authorization: '[redacted]', 'x-multi': ['a', 'b'] },
      body: 'aGk=',
      bodyLength: 2,
    },
  });
  const raw = requestMessage(
    {
      method: 'GET',
      url: '/',
      version: 'HTTP/1.1',
      headers: ['Host', 'h', 'Cookie', 'a=1', 'cookie', 'b=2'],
    },
    { redact: false, maxValue: 10 },
  );
  t.match(raw.fields, { headers: { host: 'h', cookie: ['a=1', 'b=2'] }, body: '', bodyLength: 0 });

  const res = responseMessage(
    {
      status: 502,
      reason: 'Bad Gateway',
      version: '1.1',
      headers: [['Content-Type', 'application/json; charset=utf-8']],
      body: [Buffer.alloc(700, 0x78), Buffer.alloc(700, 0x79)],
      bodyLength: 1234,
      latencyMs: 7,
    },
    { redact: true, maxValue: 1000 },
  );
  t.match(res, {
    name: 'response',
    level: 40,
    latencyMs: 7,
    summary: '502 Bad Gateway (1.2 kB application/json)',
  });
  t.match(res.fields, { bodyLength: 1234, truncated: true });
  t.equal(Buffer.from(res.fields.body as string, 'base64').length, 1000);

  const up = upgradeMessage(
    {
      status: 101,
      reason: 'Switching Protocols',
      version: '1.1',
      headers: {},
      upgrade: 'websocket',
      latencyMs: 3,
    },
    opts,
  );
  t.match(up, {
    name: 'upgrade',
    summary: '101 Switching Protocols → websocket',
    fields: { upgrade: 'websocket' },
  });
  const proto = requestMessage(
    { method: 'GET', url: '/', version: '1.1', headers: [['__proto__', 'x']] },
    opts,
  );
  t.equal(
    JSON.stringify(proto.fields.headers),
    '{"__proto__":"x"}',
    'a __proto__ header is just a key',
  );
  t.end();
});
