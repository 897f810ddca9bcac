// `looptap http` captures through the same run path as tcp: --capture-max-size rotates in HTTP
// mode too (before, HTTP mode had no rotation). Needs `npm run build`.

import t from 'tap';
import http from 'node:http';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { assertBuilt, spawnLooptap } from '../helpers/net.js';

t.before(assertBuilt);

const BODY = 'x'.repeat(3000);

t.test('http: --capture-max-size rotates', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'looptap-http-capture-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const server = http.createServer((_req, res) => res.end(BODY));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  const target = (server.address() as AddressInfo).port;
  const file = join(dir, 'web.jsonl');
  const lt = await spawnLooptap(t, [
    'http',
    '--target',
    String(target),
    '--quiet',
    '--capture',
    file,
    '--capture-max-size',
    '8KB',
  ]);
  for (let i = 0; i < 12; i++) {
    const body = await new Promise<string>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port: lt.port, path: `/${i}`, agent: false }, (res) => {
          let b = '';
          res.setEncoding('utf8').on('data', (c: string) => (b += c));
          res.on('end', () => resolve(b));
        })
        .on('error', reject);
    });
    t.equal(body.length, BODY.length, 'the client gets the whole body');
  }
  const { code } = await lt.stop('SIGINT');
  t.equal(code, 0, lt.stderr.join('\n'));
  t.ok(existsSync(file + '.1'), 'the capture rotated');
  const summary = lt.stderr.find((l) => l.startsWith('looptap: stopped:')) ?? '';
  t.match(summary, /\d+ rotations/, summary);
  const files = [file, ...[1, 2, 3].map((n) => `${file}.${n}`)].filter((f) => existsSync(f));
  t.equal(files.length, 4, 'the capture and --capture-keep 3 older files');
  t.notOk(existsSync(`${file}.4`), 'no more than --capture-keep');
  let exchanges = 0;
  for (const f of files) {
    t.ok(statSync(f).size <= 8192, `${f} stays within --capture-max-size`);
    for (const l of readFileSync(f, 'utf8').trim().split('\n')) {
      if ((JSON.parse(l) as { type: string }).type === 'exchange') exchanges++;
    }
  }
  t.ok(exchanges > 0, `${exchanges} exchanges in the files kept`);
});
