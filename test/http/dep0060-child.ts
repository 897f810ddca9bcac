// Child of hardening.test.ts: make util._extend warn the way Node 22 does (DEP0060), then proxy
// one request through looptap http or bare http-proxy, and print the status.
import util from 'node:util';
import http from 'node:http';
import { once } from 'node:events';
import type net from 'node:net';

const u = util as unknown as { _extend: (a: object, b: object) => object };
const original = u._extend;
u._extend = util.deprecate(
  original,
  'The `util._extend` API is deprecated. Please use Object.assign() instead.',
  'DEP0060',
);

const origin = http.createServer((_req, res) => res.end('hi'));
origin.listen(0, '127.0.0.1');
await once(origin, 'listening');
const target = `http://127.0.0.1:${(origin.address() as net.AddressInfo).port}`;
let port: number;
let stop: () => Promise<void>;
if (process.argv[2] === 'bare') {
  const { default: httpProxy } = await import('http-proxy');
  const proxy = httpProxy.createProxyServer({ target });
  const server = http.createServer((req, res) => proxy.web(req, res));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as net.AddressInfo).port;
  stop = () =>
    new Promise((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
} else {
  const { startHttpProxy } = await import('../../src/http/http-proxy-server.js');
  const p = await startHttpProxy({ target });
  port = p.port;
  stop = () => p.close(0);
}
const status = await new Promise<number>((resolve) =>
  http.get({ host: '127.0.0.1', port, agent: false }, (res) => {
    res.resume();
    res.on('end', () => resolve(res.statusCode ?? 0));
  }),
);
process.stdout.write(`status ${status}\n`);
await stop();
origin.close();
