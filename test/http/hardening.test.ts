// The http-proxy 1.18.1 traps (src/http/hardening.ts), each against real sockets: smuggling
// through deleteLength (#1721), headers past maxHeadersCount, malformed requests, WebSocket
// sockets on client error, and DEP0060 on Node 22.

import t from 'tap';
import http from 'node:http';
import net from 'node:net';
import { once } from 'node:events';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import httpProxy from 'http-proxy';
import { WebSocket, WebSocketServer } from 'ws';
import { rawExchange, startProxy } from './helpers.js';
import { startCountingUpstream } from './counting-upstream.js';
import { suppressDep0060 } from '../../src/http/hardening.js';

const HIDDEN = 'GET /smuggled HTTP/1.1\r\nhost: x\r\nfoo: barrr\r\n\r\n';
const smuggle = (method: string): string =>
  `${method} /item HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n` +
  `${Buffer.byteLength(HIDDEN).toString(16)}\r\n${HIDDEN}\r\n0\r\n\r\n`;

async function until(cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
}

t.test('the probe catches stock http-proxy 1.18.1 smuggling (the test can fail)', async (t) => {
  const up = await startCountingUpstream(t);
  const proxy = httpProxy.createProxyServer({ target: `http://127.0.0.1:${up.port}` });
  proxy.on('error', () => undefined);
  const server = http.createServer((req, res) => proxy.web(req, res));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
  });
  await rawExchange((server.address() as net.AddressInfo).port, smuggle('DELETE'), 1000);
  await until(() => up.requests.length >= 2, 1000);
  t.ok(
    up.requests.some((l) => l.startsWith('GET /smuggled')),
    `stock http-proxy let the hidden request through: ${JSON.stringify(up.requests)}`,
  );
});

for (const method of ['DELETE', 'OPTIONS']) {
  t.test(
    `${method} with a chunked body hiding GET /smuggled reaches upstream as one request`,
    async (t) => {
      const up = await startCountingUpstream(t);
      const { mem, proxy } = await startProxy(t, { target: String(up.port) });
      const answer = await rawExchange(proxy.port, smuggle(method), 1000);
      t.match(answer, /^HTTP\/1\.1 200 OK/);
      await until(() => mem.messages('http').length >= 2);
      t.same(up.requests, [`${method} /item HTTP/1.1`], 'exactly one request line upstream');
      const reqs = mem.messages('http').filter((m) => m.name === 'request');
      t.equal(reqs.length, 1, 'looptap logged one request');
      t.equal(
        reqs[0]!.fields.bodyLength,
        Buffer.byteLength(HIDDEN),
        'the hidden bytes are that request body',
      );
    },
  );
}

t.test('a DELETE without a body still gets content-length: 0', async (t) => {
  const up = await startCountingUpstream(t);
  const { proxy } = await startProxy(t, { target: String(up.port) });
  const answer = await rawExchange(
    proxy.port,
    'DELETE /x HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n',
    1000,
  );
  t.match(answer, /200 OK/);
  t.same(up.requests, ['DELETE /x HTTP/1.1']);
});

t.test(
  'requests at the header-count limit are refused with 431, never forwarded cut',
  async (t) => {
    const up = await startCountingUpstream(t);
    const { mem, proxy } = await startProxy(t, { target: String(up.port) });
    // 2001 small header lines (under the 16 KiB size limit); the length comes last and would be
    // dropped by Node, so forwarding would lose it (CVE-2026-58044 shape)
    const many =
      'POST /many HTTP/1.1\r\nhost: x\r\n' +
      'a:1\r\n'.repeat(2000) +
      'content-length: 5\r\n\r\nhello';
    const answer = await rawExchange(proxy.port, many, 2000);
    t.match(answer, /^HTTP\/1\.1 431 /);
    t.match(answer, /refuses it rather than forward it with headers dropped/);
    t.same(up.requests, [], 'nothing reached the upstream');
    t.ok(mem.ofType('error').some((e) => e.code === 'TOO_MANY_HEADERS'));
    const res = mem.messages('http').find((m) => m.name === 'response');
    t.equal(res?.fields.status, 431);

    const fine =
      'GET /ok HTTP/1.1\r\nhost: x\r\nconnection: close\r\n' +
      Array.from({ length: 1500 }, (_, i) => `b${i}:2\r\n`).join('') +
      '\r\n';
    t.match(await rawExchange(proxy.port, fine, 2000), /^HTTP\/1\.1 200 /);
    t.equal(
      up.headerCounts.at(-1)! >= 1501,
      true,
      `all headers forwarded (${up.headerCounts.at(-1)})`,
    );
  },
);

t.test('malformed requests get 400/431 from looptap, not the upstream', async (t) => {
  const up = await startCountingUpstream(t);
  const { mem, proxy } = await startProxy(t, { target: String(up.port) });
  const cases: Array<[string, RegExp]> = [
    [
      'POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 3\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n',
      /^HTTP\/1\.1 400 /,
    ],
    ['GET / HTTP/1.1\r\nhost: x\r\nx-big: ' + 'y'.repeat(20_000) + '\r\n\r\n', /^HTTP\/1\.1 431 /],
    ['GARBAGE\r\n\r\n', /^HTTP\/1\.1 400 /],
  ];
  for (const [bytes, want] of cases) t.match(await rawExchange(proxy.port, bytes, 2000), want);
  t.same(up.requests, []);
  t.equal(mem.ofType('error').length, 3, 'one error event per refused request');
});

t.test('WebSocket: a client that errors takes the upstream socket with it', async (t) => {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await once(wss, 'listening');
  t.teardown(
    () =>
      new Promise<void>((r) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => r());
      }),
  );
  const upstreamClosed: Promise<unknown>[] = [];
  wss.on('connection', (ws) => upstreamClosed.push(once(ws, 'close')));
  const { proxy } = await startProxy(t, {
    target: String((wss.address() as net.AddressInfo).port),
  });
  for (let i = 0; i < 5; i++) {
    const ws = new WebSocket(`ws://${proxy.address}/`);
    await once(ws, 'open');
    // a reset from the client side, as a vanished peer would cause
    (ws as unknown as { _socket: net.Socket })._socket.resetAndDestroy();
  }
  const started = Date.now();
  await Promise.all(upstreamClosed);
  t.equal(upstreamClosed.length, 5);
  t.ok(Date.now() - started < 3000, 'upstream sockets closed promptly');
  await until(() => proxy.connections === 0);
  t.equal(proxy.connections, 0, 'no client connection left open');
});

t.test('DEP0060 is dropped and only DEP0060', async (t) => {
  const seen: string[] = [];
  const onWarning = (w: Error & { code?: string }): void => void seen.push(w.code ?? '');
  process.on('warning', onWarning);
  t.teardown(() => process.off('warning', onWarning));
  suppressDep0060();
  process.emitWarning('util._extend is deprecated', 'DeprecationWarning', 'DEP0060');
  process.emitWarning('util._extend is deprecated', {
    type: 'DeprecationWarning',
    code: 'DEP0060',
  });
  process.emitWarning('something else', 'DeprecationWarning', 'DEP0999');
  await new Promise((r) => setImmediate(r));
  t.same(seen, ['DEP0999']);
});

t.test('Node 22 behaviour: a proxied request prints no DEP0060 (child process)', async (t) => {
  // Node 20 has no runtime DEP0060; the child makes util._extend warn as Node 22 does, before
  // http-proxy loads, then proxies one request through looptap and, as a control, bare http-proxy
  const script = fileURLToPath(new URL('./dep0060-child.ts', import.meta.url));
  for (const [mode, expectWarning] of [
    ['looptap', false],
    ['bare', true],
  ] as const) {
    const child = spawn(process.execPath, ['--import=@tapjs/typescript/import', script, mode], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let stdout = '';
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const [code] = (await once(child, 'close')) as [number];
    clearTimeout(timer);
    t.equal(code, 0, `${mode} child ok: ${stderr}`);
    t.match(stdout, /status 200/);
    t.equal(
      /DEP0060/.test(stderr),
      expectWarning,
      `${mode}: DEP0060 ${expectWarning ? 'shown' : 'not shown'}`,
    );
  }
});
