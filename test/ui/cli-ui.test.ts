// --ui on the proxy commands, as processes: `looptap --target ... --ui 127.0.0.1:PORT --json`
// and `looptap http --target ... --ui` print the ui: line on stderr (stdout stays JSON lines),
// serve the API with the printed token, and stop cleanly on SIGINT.

import t from 'tap';
import type { ChildProcess } from 'node:child_process';
import { assertBuilt, deadPort, spawnLooptap, startEcho } from '../helpers/net.js';
import { get } from './helpers.js';

function uiUrl(child: ChildProcess, seen: string[]): Promise<URL> {
  const found = seen.find((l) => l.startsWith('ui: '));
  if (found) return Promise.resolve(new URL(found.slice(4)));
  return new Promise((resolve, reject) => {
    let text = '';
    child.stderr!.on('data', (c: Buffer) => {
      text += c.toString();
      const m = /^ui: (\S+)$/m.exec(text);
      if (m) resolve(new URL(m[1]!));
    });
    child.once('close', () => reject(new Error(seen.join('\n'))));
  });
}

t.test('tcp --ui HOST:PORT with --json', async (t) => {
  assertBuilt();
  const echo = await startEcho(t);
  const port = await deadPort();
  const lt = await spawnLooptap(t, [
    '--target',
    String(echo.port),
    '--ui',
    `127.0.0.1:${port}`,
    '--json',
  ]);
  const url = await uiUrl(lt.child, lt.stderr);
  t.equal(Number(url.port), port, 'the chosen port');
  t.equal(url.hostname, '127.0.0.1');
  t.type(JSON.parse(lt.announcement), 'object', 'stdout is still JSON lines');
  const info = await get(port, '/api/info', {
    Authorization: `Bearer ${url.searchParams.get('token')}`,
  });
  t.equal(info.status, 200);
  t.equal(JSON.parse(info.body).readOnly, false);
  t.equal((await get(port, '/api/info')).status, 401);
  t.equal((await lt.stop('SIGINT')).code, 0);
});

t.test('http --ui on a port the OS picks', async (t) => {
  const echo = await startEcho(t);
  const lt = await spawnLooptap(t, ['http', '--target', String(echo.port), '--ui']);
  const url = await uiUrl(lt.child, lt.stderr);
  t.match(url.href, /^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{43}$/);
  const page = await get(Number(url.port), `/${url.search}`);
  t.equal(page.status, 303);
  t.match(page.headers['set-cookie'], /HttpOnly; SameSite=Strict/);
  t.equal((await lt.stop('SIGINT')).code, 0);
});
