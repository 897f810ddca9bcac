// Synthetic HTTP/1.1 sessions for the http decoder tests, written as readable text. They are also
// stored as JSONL under test/fixtures/http/ (same format as ../shared/wire-samples plus
// `{"end": "client"|"server"}` lines for a FIN); test/decoders/http/fixtures.test.ts keeps the two in sync.

import { readFileSync } from 'node:fs';
import type { From } from '../../src/events.js';
import type { Step } from './feed.js';

export type { Step } from './feed.js';

export const FIXTURES = new URL('../fixtures/http/', import.meta.url);

/** canaries: unique strings that must never reach a capture when redaction is on */
export const CANARY = {
  basic: 'Zm9vY2FuYXJ5OmJhc2ljcGFzc3dvcmQ5OTE=',
  bearer: 'tok_CANARY_bearer_7f3a9c1e55d2',
  cookie: 'sid=CANARYcookie4d8e21',
  setCookie: 'session=CANARYsetcookie93bb0a; HttpOnly',
};

type Raw = Array<[From, string | Buffer] | ['end', From]>;

function build(raw: Raw): Step[] {
  let t = 1_000_000;
  return raw.map((r): Step => {
    t += 10;
    if (r[0] === 'end') return { end: r[1], t };
    return { from: r[0], t, bytes: Buffer.isBuffer(r[1]) ? r[1] : Buffer.from(r[1], 'latin1') };
  });
}

const CRLF = '\r\n';
const h = (...lines: string[]): string => lines.join(CRLF) + CRLF + CRLF;
const json = '{"name":"looptap","ok":true}';

export const SESSIONS: Record<string, Raw> = {
  'get-keepalive': [
    ['client', h('GET /users?id=1 HTTP/1.1', 'Host: localhost', 'Connection: keep-alive')],
    [
      'server',
      h('HTTP/1.1 200 OK', 'Content-Type: application/json', `Content-Length: ${json.length}`) +
        json,
    ],
    ['client', h('GET /health HTTP/1.1', 'Host: localhost')],
    [
      'server',
      h('HTTP/1.1 200 OK', 'Content-Type: text/plain; charset=utf-8', 'Content-Length: 2') + 'ok',
    ],
  ],
  'post-json': [
    [
      'client',
      h(
        'POST /api/items HTTP/1.1',
        'Host: localhost',
        'Content-Type: application/json',
        `Content-Length: ${json.length}`,
      ) + json,
    ],
    [
      'server',
      h(
        'HTTP/1.1 201 Created',
        'Content-Type: application/json',
        `Content-Length: ${json.length}`,
      ) + json,
    ],
  ],
  chunked: [
    [
      'client',
      h(
        'POST /upload HTTP/1.1',
        'Host: localhost',
        'Transfer-Encoding: chunked',
        'Trailer: X-Checksum',
      ),
    ],
    ['client', '5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\nX-Checksum: abc123\r\n\r\n'],
    ['server', h('HTTP/1.1 200 OK', 'Content-Type: text/plain', 'Transfer-Encoding: chunked')],
    ['server', '4\r\ndone\r\n000\r\nX-Elapsed: 12ms\r\nX-Other: 1\r\n\r\n'],
  ],
  pipelined: [
    [
      'client',
      h('GET /a HTTP/1.1', 'Host: x') +
        h('GET /b HTTP/1.1', 'Host: x') +
        h('GET /c HTTP/1.1', 'Host: x'),
    ],
    [
      'server',
      h('HTTP/1.1 200 OK', 'Content-Length: 1') +
        'a' +
        h('HTTP/1.1 404 Not Found', 'Content-Length: 0'),
    ],
    ['server', h('HTTP/1.1 503 Service Unavailable', 'Content-Length: 4') + 'busy'],
  ],
  head: [
    ['client', h('HEAD /big HTTP/1.1', 'Host: x')],
    [
      'server',
      h('HTTP/1.1 200 OK', 'Content-Type: application/octet-stream', 'Content-Length: 123456'),
    ],
    ['client', h('GET /small HTTP/1.1', 'Host: x')],
    ['server', h('HTTP/1.1 200 OK', 'Content-Length: 3') + 'abc'],
  ],
  'no-content': [
    ['client', h('DELETE /items/7 HTTP/1.1', 'Host: x')],
    ['server', h('HTTP/1.1 204 No Content', 'X-Request-Id: 1')],
    ['client', h('GET /items HTTP/1.1', 'Host: x', 'If-None-Match: "v1"')],
    ['server', h('HTTP/1.1 304 Not Modified', 'ETag: "v1"', 'Content-Length: 999')],
    ['client', h('GET /next HTTP/1.1', 'Host: x')],
    ['server', h('HTTP/1.1 200 OK', 'Content-Length: 2') + 'hi'],
  ],
  'close-delimited': [
    ['client', h('GET /stream HTTP/1.0', 'Host: x')],
    ['server', h('HTTP/1.0 200 OK', 'Content-Type: text/plain')],
    ['server', 'line one\n'],
    ['server', 'line two\n'],
    ['end', 'server'],
  ],
  upgrade: [
    [
      'client',
      h(
        'GET /chat HTTP/1.1',
        'Host: x',
        'Upgrade: websocket',
        'Connection: Upgrade',
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
        'Sec-WebSocket-Version: 13',
      ),
    ],
    [
      'server',
      Buffer.concat([
        Buffer.from(
          h(
            'HTTP/1.1 101 Switching Protocols',
            'Upgrade: websocket',
            'Connection: Upgrade',
            'Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=',
          ),
        ),
        Buffer.from([0x81, 0x02, 0x68, 0x69]),
      ]),
    ],
    ['client', Buffer.from([0x81, 0x82, 1, 2, 3, 4, 0x69, 0x6b])],
  ],
  'upgrade-refused': [
    ['client', h('GET /chat HTTP/1.1', 'Host: x', 'Upgrade: websocket', 'Connection: Upgrade')],
    ['client', h('GET /after HTTP/1.1', 'Host: x')],
    [
      'server',
      h('HTTP/1.1 400 Bad Request', 'Content-Length: 0') +
        h('HTTP/1.1 200 OK', 'Content-Length: 0'),
    ],
  ],
  connect: [
    ['client', h('CONNECT example.com:443 HTTP/1.1', 'Host: example.com:443')],
    ['server', h('HTTP/1.1 200 Connection Established')],
    ['client', Buffer.from('160301020001', 'hex')],
  ],
  continue: [
    ['client', h('PUT /file HTTP/1.1', 'Host: x', 'Expect: 100-continue', 'Content-Length: 5')],
    ['server', h('HTTP/1.1 100 Continue')],
    ['client', 'hello'],
    ['server', h('HTTP/1.1 200 OK', 'Content-Length: 0')],
  ],
  malformed: [
    ['client', h('GET / HTTP/1.1', 'Host: x', 'this line has no colon')],
    ['server', h('HTTP/1.1 400 Bad Request', 'Content-Length: 0')],
  ],
  ambiguous: [
    [
      'client',
      h('POST /smuggle HTTP/1.1', 'Host: x', 'Content-Length: 4', 'Transfer-Encoding: chunked') +
        '3\r\nabc\r\n0\r\n\r\n',
    ],
    ['server', h('HTTP/1.1 200 OK', 'Content-Length: 2', 'Content-Length: 3')],
  ],
  secrets: [
    [
      'client',
      h(
        'GET /me HTTP/1.1',
        'Host: x',
        `Authorization: Basic ${CANARY.basic}`,
        `Cookie: ${CANARY.cookie}`,
      ),
    ],
    [
      'server',
      h(
        'HTTP/1.1 200 OK',
        `Set-Cookie: ${CANARY.setCookie}`,
        'Set-Cookie: theme=dark',
        'Content-Length: 0',
      ),
    ],
    [
      'client',
      h('GET /api HTTP/1.1', 'Host: x', `authorization:Bearer ${CANARY.bearer}`, 'X-Trace: 1'),
    ],
    ['server', h('HTTP/1.1 500 Internal Server Error', 'Content-Length: 0')],
  ],
};

export function session(name: string): Step[] {
  return build(SESSIONS[name]!);
}

export function toJsonl(steps: Step[]): string {
  return (
    steps
      .map((s) =>
        'end' in s
          ? JSON.stringify({ id: 1, end: s.end, t: s.t })
          : JSON.stringify({
              id: 1,
              dir: s.from === 'client' ? 'c2s' : 's2c',
              t: s.t,
              hex: s.bytes.toString('hex'),
            }),
      )
      .join('\n') + '\n'
  );
}

export function loadFixture(name: string): Step[] {
  const text = readFileSync(new URL(`${name}.jsonl`, FIXTURES), 'utf8');
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l): Step => {
      const o = JSON.parse(l) as { dir?: string; end?: From; t: number; hex?: string };
      if (o.end) return { end: o.end, t: o.t };
      return {
        from: o.dir === 'c2s' ? 'client' : 'server',
        t: o.t,
        bytes: Buffer.from(o.hex ?? '', 'hex'),
      };
    });
}

/** feed() and applyMasks() from feed.ts, which take FIN steps too */
export { feed as run, applyMasks as maskedStreams, type FeedResult as Run } from './feed.js';
