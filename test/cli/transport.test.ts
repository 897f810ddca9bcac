// --transport: every event goes to a real pino transport (pino's own pino/file target, in
// pino's worker thread) and arrives complete and redacted; a target that is not there, or
// options it cannot use, is one line and exit 2 before anything listens. Needs `npm run build`.

import t, { type Test } from 'tap';
import http from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { assertBuilt, runLooptap, spawnLooptap } from '../helpers/net.js';

t.before(assertBuilt);

const SECRET = 'Bearer sekrit-token-4711';

function tmp(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'looptap-transport-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function webServer(t: Test): Promise<number> {
  const server = http.createServer((req, res) => res.end(`hello ${req.url}`));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  return (server.address() as AddressInfo).port;
}

function get(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      { host: '127.0.0.1', port, path, headers: { authorization: SECRET }, agent: false },
      (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (c: string) => (body += c));
        res.on('end', () => resolve(body));
      },
    );
    req.on('error', reject);
  });
}

t.test('pino/file receives every event of a real relay, redacted', async (t) => {
  const port = await webServer(t);
  const file = join(tmp(t), 'events.jsonl');
  const lt = await spawnLooptap(t, [
    '--target',
    String(port),
    '--quiet',
    '--transport',
    'pino/file',
    '--transport-option',
    `destination=${file}`,
  ]);
  t.equal(await get(lt.port, '/one'), 'hello /one');
  t.equal(await get(lt.port, '/two'), 'hello /two');
  const { code } = await lt.stop('SIGINT');
  t.equal(code, 0, lt.stderr.join('\n'));

  const text = readFileSync(file, 'utf8');
  const events = text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  const types = events.map((e) => e.type);
  for (const type of ['listening', 'open', 'data', 'message', 'exchange', 'close'])
    t.ok(types.includes(type), `a ${type} event arrived`);
  t.notOk(types.includes('header'), 'no capture header: the transport is not a capture file');
  for (const e of events) {
    t.equal(typeof e.time, 'number');
    t.equal(typeof e.level, 'number');
    t.equal(typeof e.msg, 'string');
  }
  t.equal(types.filter((x) => x === 'open').length, 2, 'both connections');
  t.equal(types.filter((x) => x === 'close').length, 2, 'and both closes');
  t.notOk(text.includes('sekrit'), 'the secret is not in any decoded field');
  for (const e of events.filter((e) => e.type === 'data')) {
    t.notOk(
      Buffer.from(String(e.data), 'base64').toString('latin1').includes('sekrit'),
      'nor in the raw bytes',
    );
  }
  const request = events.find((e) => e.type === 'message' && e.name === 'request');
  t.match(JSON.stringify(request), /authorization/i, 'the header is there, its value is not');
});

t.test('a transport that is not there: one line, exit 2, nothing listens', async (t) => {
  const r = await runLooptap(['--target', '5432', '--transport', 'pino-no-such-transport']);
  t.equal(r.code, 2);
  t.equal(r.stdout, '', 'no announcement');
  t.match(
    r.stderr,
    /^looptap: --transport pino-no-such-transport: no such module here; install it/,
  );
  t.equal(r.stderr.trim().split('\n').length, 1, 'one line');
});

t.test('options the target cannot use: one line, exit 2', async (t) => {
  const dir = tmp(t);
  const r = await runLooptap([
    '--target',
    '5432',
    '--transport',
    'pino/file',
    '--transport-option',
    `destination=${join(dir, 'no', 'such', 'dir', 'x.jsonl')}`,
  ]);
  t.equal(r.code, 2);
  t.equal(r.stdout, '');
  t.match(r.stderr, /^looptap: --transport pino\/file did not start: .*ENOENT/);
  t.equal(r.stderr.trim().split('\n').length, 1, 'one line');
});

t.test('--transport-option without --transport, or not KEY=VALUE: exit 2', async (t) => {
  const a = await runLooptap(['--target', '5432', '--transport-option', 'a=1']);
  t.equal(a.code, 2);
  t.match(a.stderr, /^looptap: --transport-option needs --transport\n$/);
  const b = await runLooptap([
    '--target',
    '5432',
    '--transport',
    'pino/file',
    '--transport-option',
    'nonsense',
  ]);
  t.equal(b.code, 2);
  t.match(b.stderr, /is not KEY=VALUE/);
});
