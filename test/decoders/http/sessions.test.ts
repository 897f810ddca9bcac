// HTTP/1.1 decoder on the synthetic sessions of test/fixtures/http/: what each one decodes to,
// and the same messages whatever the chunking (as captured, one byte at a time, every split point,
// random splits with fixed seeds).

import t from 'tap';
import net from 'node:net';
import tls from 'node:tls';
import { once } from 'node:events';
import { http } from '../../../src/decoders/http/index.js';
import type { Mask } from '../../../src/decoders/decoder.js';
import { oneByte, prng, randomSplits, shape, splitAt } from '../../helpers/feed.js';
import { SESSIONS, loadFixture, run, type Step } from '../../helpers/http-sessions.js';

const b64 = (s: string): string => Buffer.from(s).toString('base64');
const summaries = (steps: Step[]): string[] =>
  run(http, steps).messages.map((m) => `${m.from} ${m.name} ${m.summary}`);

t.test('GET with keep-alive', (t) => {
  const r = run(http, loadFixture('get-keepalive'));
  t.same(summaries(loadFixture('get-keepalive')), [
    'client request GET /users?id=1',
    'server response 200 OK (28 B application/json)',
    'client request GET /health',
    'server response 200 OK (2 B text/plain)',
  ]);
  t.match(r.messages[0], {
    fields: {
      method: 'GET',
      url: '/users?id=1',
      version: 'HTTP/1.1',
      headers: { host: 'localhost', connection: 'keep-alive' },
    },
  });
  t.match(r.messages[1], { latencyMs: 10, fields: { status: 200, reason: 'OK', bodyLength: 28 } });
  t.equal(r.messages[1]!.level, undefined);
  t.notOk(r.fallback);
  t.end();
});

t.test('POST with a JSON body', (t) => {
  const r = run(http, loadFixture('post-json'));
  const json = '{"name":"looptap","ok":true}';
  t.match(r.messages[0], {
    name: 'request',
    summary: 'POST /api/items',
    fields: { body: b64(json), bodyLength: json.length },
  });
  t.notOk('truncated' in r.messages[0]!.fields);
  t.match(r.messages[1], {
    name: 'response',
    summary: '201 Created (28 B application/json)',
    fields: { body: b64(json) },
  });
  t.end();
});

t.test('chunked request and response with trailers', (t) => {
  const r = run(http, loadFixture('chunked'));
  t.match(r.messages[0]!.fields, {
    body: b64('hello, world'),
    bodyLength: 12,
    trailers: { 'x-checksum': 'abc123' },
  });
  t.match(r.messages[1]!.fields, {
    body: b64('done'),
    bodyLength: 4,
    trailers: { 'x-elapsed': '12ms', 'x-other': '1' },
  });
  t.equal(r.messages[1]!.latencyMs, 20);
  t.end();
});

t.test('3 pipelined requests in one chunk', (t) => {
  const r = run(http, loadFixture('pipelined'));
  t.same(summaries(loadFixture('pipelined')), [
    'client request GET /a',
    'client request GET /b',
    'client request GET /c',
    'server response 200 OK (1 B)',
    'server response 404 Not Found',
    'server response 503 Service Unavailable (4 B)',
  ]);
  t.equal(r.messages[5]!.level, 40, '5xx is a warning');
  t.same(
    r.messages.slice(3).map((m) => m.latencyMs),
    [10, 10, 20],
  );
  t.end();
});

t.test('HEAD response has no body, the next response stays in sync', (t) => {
  t.same(summaries(loadFixture('head')), [
    'client request HEAD /big',
    'server response 200 OK',
    'client request GET /small',
    'server response 200 OK (3 B)',
  ]);
  t.end();
});

t.test('204 and 304 have no body', (t) => {
  t.same(summaries(loadFixture('no-content')), [
    'client request DELETE /items/7',
    'server response 204 No Content',
    'client request GET /items',
    'server response 304 Not Modified',
    'client request GET /next',
    'server response 200 OK (2 B)',
  ]);
  t.end();
});

t.test('close-delimited response ends with the server FIN', (t) => {
  const steps = loadFixture('close-delimited');
  const before = run(http, steps.slice(0, -1));
  t.equal(before.messages.length, 1, 'no response before the FIN');
  const r = run(http, steps);
  t.match(r.messages[1], {
    summary: '200 OK (18 B text/plain)',
    fields: { body: b64('line one\nline two\n') },
  });
  t.notOk('incomplete' in r.messages[1]!.fields);
  t.end();
});

t.test('Upgrade to websocket: one upgrade message, then opaque', (t) => {
  const r = run(http, loadFixture('upgrade'));
  t.equal(r.opaque, true);
  t.same(
    r.messages.map((m) => m.name),
    ['request', 'upgrade'],
  );
  t.match(r.messages[1], {
    summary: '101 Switching Protocols → websocket',
    latencyMs: 10,
    fields: { status: 101, upgrade: 'websocket' },
  });
  t.end();
});

t.test('refused upgrade: held client bytes are decoded after the answer', (t) => {
  const r = run(http, loadFixture('upgrade-refused'));
  t.notOk(r.opaque);
  t.same(
    r.messages.map((m) => m.summary),
    ['GET /chat', 'GET /after', '400 Bad Request', '200 OK'],
  );
  t.same(
    r.messages.slice(2).map((m) => m.latencyMs),
    [20, 10],
  );
  t.end();
});

t.test('CONNECT 200: tunnel, then opaque', (t) => {
  const r = run(http, loadFixture('connect'));
  t.equal(r.opaque, true);
  t.match(r.messages[1], {
    name: 'upgrade',
    fields: { upgrade: 'tunnel', url: 'example.com:443' },
  });
  t.end();
});

t.test('100-continue', (t) => {
  const r = run(http, loadFixture('continue'));
  t.same(
    r.messages.map((m) => `${m.name} ${m.summary}`),
    ['response 100 Continue', 'request PUT /file', 'response 200 OK'],
  );
  t.match(r.messages[0], { latencyMs: 10 });
  t.match(r.messages[2], { latencyMs: 30 });
  t.end();
});

t.test('malformed head: fallback, no throw', (t) => {
  const r = run(http, loadFixture('malformed'));
  t.equal(r.fallback, 'header line without a colon');
  t.same(r.messages, []);
  t.end();
});

t.test('Content-Length and Transfer-Encoding: ambiguous, TE wins', (t) => {
  const r = run(http, loadFixture('ambiguous'));
  t.match(r.messages[0]!.fields, { framing: 'ambiguous', body: b64('abc'), bodyLength: 3 });
  t.match(r.messages[1]!.fields, {
    framing: 'ambiguous',
    headers: { 'content-length': ['2', '3'] },
  });
  t.equal(r.fallback, 'ambiguous content-length', 'differing Content-Lengths stop decoding');
  t.end();
});

t.test('response without a request, HTTP/1.0 without a reason phrase', (t) => {
  const steps: Step[] = [
    { from: 'server', t: 1, bytes: Buffer.from('HTTP/1.1 200\r\nContent-Length: 1\r\n\r\nx') },
  ];
  const r = run(http, steps);
  t.match(r.messages[0], { summary: '200 (1 B)', fields: { status: 200, reason: '' } });
  t.equal(r.messages[0]!.latencyMs, undefined);
  t.end();
});

t.test('body capped at maxValue', (t) => {
  const r = run(http, loadFixture('post-json'), undefined, { maxValue: 5 });
  t.match(r.messages[0]!.fields, { body: b64('{"nam'), bodyLength: 28, truncated: true });
  t.end();
});

t.test('bare LF line ends and leading empty lines', (t) => {
  const steps: Step[] = [
    { from: 'client', t: 1, bytes: Buffer.from('\r\nGET /x HTTP/1.1\nHost: y\n\n') },
    { from: 'server', t: 2, bytes: Buffer.from('HTTP/1.1 200 OK\nContent-Length: 0\n\n') },
  ];
  t.same(summaries(steps), ['client request GET /x', 'server response 200 OK']);
  t.end();
});

/** final mask per start, for comparing runs */
function finalMasks(masks: Mask[]): Mask[] {
  const m = new Map<string, Mask>();
  for (const x of masks) m.set(`${x.from}:${x.start}`, x);
  return [...m.values()].sort((a, b) => (a.from + a.start).localeCompare(b.from + b.start));
}

t.test('same messages whatever the chunking', (t) => {
  for (const name of Object.keys(SESSIONS)) {
    const steps = loadFixture(name);
    const base = run(http, steps);
    const expect = {
      shape: shape(base.messages),
      masks: finalMasks(base.masks),
      opaque: base.opaque,
      fallback: base.fallback,
    };
    const same = (label: string, r: ReturnType<typeof run>): boolean => {
      const got = {
        shape: shape(r.messages),
        masks: finalMasks(r.masks),
        opaque: r.opaque,
        fallback: r.fallback,
      };
      const ok = JSON.stringify(got) === JSON.stringify(expect);
      if (!ok) t.same(got, expect, `${name}: ${label}`);
      return ok;
    };
    let failures = 0;
    if (!same('one byte at a time', run(http, steps, oneByte))) failures++;
    const longest = Math.max(...steps.map((s) => ('bytes' in s ? s.bytes.length : 0)));
    for (let i = 1; i < longest; i++)
      if (!same(`split at ${i}`, run(http, steps, splitAt(i)))) failures++;
    for (let seed = 1; seed <= 20; seed++) {
      if (!same(`random seed ${seed}`, run(http, steps, randomSplits(prng(seed), 9)))) failures++;
    }
    t.equal(failures, 0, `${name}: one byte, ${longest - 1} split points, 20 seeds`);
  }
  t.end();
});

t.test('TLS ClientHello (https) on a forced http connection: tls message, opaque', async (t) => {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(() => server.close());
  const got = once(server, 'connection').then(async (args) => {
    const sock = args[0] as net.Socket;
    const [hello] = (await once(sock, 'data')) as [Buffer];
    sock.destroy();
    return hello;
  });
  const port = (server.address() as net.AddressInfo).port;
  const client = tls.connect({ host: '127.0.0.1', port, servername: 'api.example.test' });
  client.on('error', () => undefined);
  const hello = await got;
  client.destroy();
  for (const split of [undefined, oneByte]) {
    const r = run(http, [{ from: 'client', t: 1, bytes: hello }], split);
    t.equal(r.opaque, true);
    t.match(r.messages, [{ name: 'tls', fields: { sni: 'api.example.test' } }]);
  }
});
