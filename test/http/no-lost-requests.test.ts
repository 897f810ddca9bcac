// Issue 9: HTTP mode must not lose requests or answers. A non-WebSocket Upgrade (`curl --http2`
// asks `Upgrade: h2c`) reaches the origin as a plain request and is answered without the
// upgrade (it used to get an empty reply, the origin saw nothing); a client that half-closes
// after its request (shutdown(SHUT_WR)) gets the whole answer (it used to get 0 bytes and a
// CLIENT_ABORTED). Real curl, raw sockets, a real Node origin.

import t from 'tap';
import net from 'node:net';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type http from 'node:http';
import { startOrigin, startProxy, messages } from './helpers.js';

const run = promisify(execFile);
const sha = (b: string | Buffer) => createHash('sha256').update(b).digest('hex');

t.test(
  'curl --http2 (Upgrade: h2c) gets the answer it gets from the origin directly',
  async (t) => {
    const seen: http.IncomingHttpHeaders[] = [];
    const origin = await startOrigin(t, (req, res) => {
      seen.push(req.headers);
      res.setHeader('content-type', 'text/plain');
      res.end(`hello ${req.url}`);
    });
    const { mem, base } = await startProxy(t, { target: String(origin.port) });
    const direct = await run('/usr/bin/curl', [
      '-s',
      '--http2',
      `http://127.0.0.1:${origin.port}/a`,
    ]);
    const r = await run('/usr/bin/curl', [
      '-s',
      '-w',
      ' %{http_code} %{http_version}',
      '--http2',
      `${base}/a`,
      `${base}/b`,
    ]);
    t.equal(direct.stdout, 'hello /a', 'the origin answers curl --http2 directly');
    t.equal(
      r.stdout,
      'hello /a 200 1.1hello /b 200 1.1',
      'both answers through looptap, in HTTP/1.1',
    );
    const proxied = seen.slice(1);
    t.equal(proxied.length, 2, 'the origin saw both requests');
    for (const h of proxied) {
      t.equal(h.upgrade, undefined, 'forwarded without Upgrade');
      t.equal(h['http2-settings'], undefined, 'forwarded without HTTP2-Settings');
      t.notMatch(String(h.connection), /upgrade/i, 'no upgrade token in Connection');
    }
    const reqs = messages(mem, 'request');
    t.same(
      reqs.map((m) => [m.fields.url, m.fields.upgradeDeclined]),
      [
        ['/a', 'h2c'],
        ['/b', 'h2c'],
      ],
      'logged, with the upgrade looptap declined',
    );
    t.equal(messages(mem, 'response').length, 2);
    t.notOk(
      mem.events.some((e) => e.type === 'error'),
      'no error event',
    );
  },
);

t.test('an h2c upgrade offer on a POST keeps its body, and keep-alive goes on', async (t) => {
  const bodies: string[] = [];
  const origin = await startOrigin(t, (req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      bodies.push(Buffer.concat(parts).toString());
      res.end(sha(Buffer.concat(parts)));
    });
  });
  const { proxy } = await startProxy(t, { target: String(origin.port) });
  const s = net.connect(proxy.port, '127.0.0.1');
  await once(s, 'connect');
  const body = 'x=1&y=two';
  s.write(
    `POST /up HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n` +
      `HTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\nContent-Length: ${body.length}\r\n\r\n${body}` +
      `GET /after HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
  );
  let got = '';
  s.on('data', (c: Buffer) => (got += c.toString('latin1')));
  await once(s, 'close');
  t.same(bodies, [body, ''], 'the origin got the POST body, then the next request');
  t.match(got, new RegExp(`^HTTP/1\\.1 200 OK[\\s\\S]*\\r\\n\\r\\n${sha(body)}HTTP/1\\.1 200 OK`));
});

t.test('a client that half-closes after its request still gets the whole answer', async (t) => {
  let release: (() => void) | undefined;
  const answer = 'a'.repeat(100_000);
  const origin = await startOrigin(t, (req, res) => {
    req.resume();
    // answer only once looptap has seen the client's FIN
    release = () => res.end(answer);
  });
  const { proxy, mem } = await startProxy(t, { target: String(origin.port) });
  const s = net.connect(proxy.port, '127.0.0.1');
  await once(s, 'connect');
  let got = Buffer.alloc(0);
  s.on('data', (c: Buffer) => (got = Buffer.concat([got, c])));
  s.end('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n'); // shutdown(SHUT_WR) after the request
  await mem.waitFor((e) => e.type === 'end' && e.from === 'client');
  await mem.waitFor((e) => e.type === 'message' && e.name === 'request');
  while (!release) await once(origin.server, 'request');
  release();
  await once(s, 'close');
  const text = got.toString('latin1');
  t.match(text, /^HTTP\/1\.1 200 OK\r\n/, 'the answer arrived');
  t.ok(text.endsWith(answer), 'all of it');
  t.notOk(
    mem.events.some((e) => e.type === 'error' && e.code === 'CLIENT_ABORTED'),
    'not logged as an abort',
  );
  const res = await mem.waitFor((e) => e.type === 'message' && e.name === 'response');
  t.match(res, { fields: { status: 200, bodyLength: answer.length } });
});
