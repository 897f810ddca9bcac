// HTTP replay against a real Node http server: same answers (volatile headers and an ignored
// JSON path aside) -> exit 0; a status 200 -> 500 and a changed JSON value -> exit 1 with both
// shown; a redacted Authorization header is never resent as stars, --header supplies it.

import t from 'tap';
import http from 'node:http';
import { once } from 'node:events';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { capture, jsonLines, looptap, tempDir } from './helpers.js';

const TOKEN = 'Bearer tok_REPLAYCANARY_71';

t.test('HTTP requests replay and their differences show', async (t) => {
  const dir = tempDir(t);
  const state = { price: 10, health: 200 };
  const seen: Array<string | undefined> = [];
  const server = http.createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      seen.push(req.headers.authorization);
      if (req.url === '/item') {
        const body = JSON.stringify({
          name: 'pen',
          price: state.price,
          at: Date.now() + Math.random(),
        });
        res.writeHead(200, {
          'content-type': 'application/json',
          'x-request-id': String(Math.random()),
        });
        res.end(body);
      } else if (req.url === '/echo') {
        res.writeHead(201, { 'content-type': 'text/plain' });
        res.end(Buffer.concat(parts));
      } else if (req.url === '/health') {
        const ok = req.headers.authorization === TOKEN;
        res.writeHead(ok ? state.health : 401, { 'content-type': 'text/plain' });
        res.end(ok ? 'fine' : 'who?');
      } else {
        res.writeHead(404).end();
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
  });
  const target = `127.0.0.1:${(server.address() as AddressInfo).port}`;

  const file = await capture(join(dir, 'http.jsonl'), target, async (port) => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const call = (
      method: string,
      path: string,
      body?: string,
      headers: Record<string, string> = {},
    ) =>
      new Promise<void>((resolve, reject) => {
        const req = http.request(
          { host: '127.0.0.1', port, method, path, agent, headers },
          (res) => {
            res.resume();
            res.on('end', resolve);
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    await call('GET', '/item');
    await call('POST', '/echo', 'hello body', { 'content-type': 'text/plain' });
    await call('GET', '/health', undefined, { authorization: TOKEN });
    agent.destroy();
  });

  const noAuth = await looptap(['replay', file, '--target', target]);
  t.equal(noAuth.code, 2, 'a redacted credential stops the replay');
  t.match(
    noAuth.err,
    /conn \d+ #\d+ GET \S+ \(redacted: authorization\): redacted; --header 'authorization: VALUE'\n.*replay never sends a mask.*nothing was sent/s,
  );
  const before = seen.length;

  const auth = ['--header', `Authorization: ${TOKEN}`];
  const same = await looptap([
    'replay',
    file,
    '--target',
    target,
    ...auth,
    '--ignore-json-path',
    '$.at',
  ]);
  t.equal(same.code, 0, same.out + same.err);
  t.match(same.out, /replayed 1 connection, 3 requests: 3 same, 0 different/);
  t.same(seen.slice(before), [undefined, undefined, TOKEN], 'the real token, never stars');

  const unignored = await looptap(['replay', file, '--target', target, ...auth]);
  t.equal(unignored.code, 1, 'the timestamp differs unless ignored');
  t.match(unignored.out, /body \$\.at: /);

  state.price = 12;
  state.health = 500;
  const diff = await looptap([
    'replay',
    file,
    '--target',
    target,
    ...auth,
    '--ignore-json-path',
    '$.at',
    '--json',
  ]);
  t.equal(diff.code, 1);
  const rows = jsonLines(diff.out);
  const item = rows.find((r) => r.request === 'GET /item');
  const health = rows.find((r) => r.request === 'GET /health');
  t.same(item?.diffs, ['body $.price: 10 -> 12']);
  t.match(health?.diffs, ['status 200 -> 500']);
  t.equal(rows.find((r) => r.request === 'POST /echo')?.same, true);
  t.match(rows.at(-1), { type: 'summary', requests: 3, same: 1, different: 2 });
});
