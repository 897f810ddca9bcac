// `looptap stats` (docs/stats.md) on captures written with exchange events, a v0.1 capture made
// by the real CLI (no exchanges: exit 2 with why), a filter that selects nothing (exit 2) and a
// bad filter (exit 2, caret). Needs `npm run build`.
import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  assertBuilt,
  connect,
  hashUntilEnd,
  runLooptap,
  spawnLooptap,
  startEcho,
} from '../helpers/net.js';
import { closeEvent, ex, openEvent, writeCapture } from '../helpers/exchanges.js';
import type { CaptureEvent } from '../../src/events.js';

t.before(assertBuilt);
const dir = mkdtempSync(join(tmpdir(), 'looptap-stats-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

function sample(): string {
  const events: CaptureEvent[] = [openEvent(1, 'db'), openEvent(2, 'cache')];
  let id = 1;
  for (let i = 0; i < 20; i++) {
    events.push(
      ex({
        id: id++,
        conn: 1,
        route: 'db',
        start: 1000 + i,
        latencyMs: 2 + (i % 5),
        request: { sql: `select name from users where id = ${i}` },
        response: { text: 'SELECT 1', rows: 1 },
      }),
    );
  }
  events.push(
    ex({
      id: id++,
      conn: 1,
      route: 'db',
      start: 2000,
      latencyMs: 40,
      request: { sql: 'update accounts set b = 1 where id = 5' },
      response: { text: 'ERROR 40001', error: { code: '40001', message: 'could not serialize' } },
    }),
  );
  for (let i = 0; i < 3; i++) {
    events.push(
      ex({
        id: id++,
        conn: 2,
        route: 'cache',
        protocol: 'redis',
        start: 3000 + i,
        latencyMs: 0.1,
        request: { text: `GET user:${i}`, command: ['GET', `user:${i}`] },
        response: { text: '"x"' },
      }),
    );
  }
  events.push(closeEvent(1, 'db'), closeEvent(2, 'cache'));
  const file = join(dir, 'sample.jsonl');
  writeCapture(file, events);
  return file;
}

t.test('a table, sorted, with N+1 findings after it', async (t) => {
  const file = sample();
  const r = await runLooptap(['stats', file]);
  t.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  t.match(
    lines[0],
    /^protocol\s+calls\s+errors\s+rows\s+total ms\s+p50 ms\s+p95 ms\s+max ms\s+fingerprint$/,
  );
  t.match(
    lines[1],
    /^postgres\s+20\s+0\s+20\s+80\.0\s+4\.00\s+6\.00\s+6\.00\s+select name from users where id = \$1$/,
  );
  t.match(
    lines[2],
    /^postgres\s+1\s+1\s+0\s+40\.0\s+.*update accounts set b = \$1 where id = \$2$/,
  );
  t.match(lines[3], /^redis\s+3\s+0\s+0\s+0\.300\s+.*GET user:\*$/);
  t.equal(lines[4], '');
  t.equal(
    lines[5],
    'N+1: 20 x select name from users where id = $1 on #1 (route db, exchanges #1-#20)',
  );
  t.equal(lines.length, 6);

  const calls = await runLooptap(['stats', file, '--sort', 'errors']);
  t.match(calls.stdout.split('\n')[1], /update accounts/);
});

t.test('--json: the contract shape; --findings', async (t) => {
  const file = sample();
  const r = await runLooptap(['stats', file, '--json', '--sort', 'calls']);
  t.equal(r.code, 0, r.stderr);
  const rows = JSON.parse(r.stdout) as Array<Record<string, unknown>>;
  t.equal(rows.length, 3);
  t.match(rows[0], {
    protocol: 'postgres',
    fingerprint: 'select name from users where id = $1',
    calls: 20,
    errors: 0,
    rows: 20,
    totalMs: 80,
    p50Ms: 4,
    p95Ms: 6,
    maxMs: 6,
  });
  t.match(rows[0]!.fingerprintId, /^[0-9a-f]{16}$/);
  for (const row of rows) {
    for (const k of [
      'protocol',
      'fingerprint',
      'calls',
      'errors',
      'rows',
      'totalMs',
      'p50Ms',
      'p95Ms',
      'maxMs',
    ])
      t.ok(k in row, k);
    t.notMatch(String(row.fingerprint), /\b(5|42)\b|user:\d/, 'no literals');
  }
  const f = await runLooptap(['stats', file, '--json', '--findings']);
  t.match(JSON.parse(f.stdout), [{ count: 20, conn: 1, route: 'db', firstId: 1, lastId: 20 }]);
});

t.test('--filter: the digest of what matches; nothing selected is exit 2', async (t) => {
  const file = sample();
  const r = await runLooptap(['stats', file, '--json', '--filter', 'proto:redis or error']);
  t.same(
    JSON.parse(r.stdout)
      .map((x: { fingerprint: string }) => x.fingerprint)
      .sort(),
    ['GET user:*', 'update accounts set b = $1 where id = $2'],
  );
  const none = await runLooptap(['stats', file, '--filter', 'status:5xx']);
  t.equal(none.code, 2);
  t.equal(none.stdout, '');
  t.match(
    none.stderr,
    /^looptap: --filter "status:5xx" selected none of the 24 exchanges in .*sample\.jsonl: loosen it/,
  );
  const bad = await runLooptap(['stats', file, '--filter', 'proto:pg latency>>1']);
  t.equal(bad.code, 2);
  const [line, expr, caret] = bad.stderr.split('\n');
  t.match(line, /^looptap: bad --filter at column 18: /);
  t.equal(expr, '  proto:pg latency>>1');
  t.equal(caret, '                   ^');
});

t.test('a v0.1 capture (no exchange events) loads and says why there is nothing', async (t) => {
  const file = join(dir, 'v01.jsonl');
  const echo = await startEcho(t);
  const lt = await spawnLooptap(t, ['--target', echo.address, '--capture', file]);
  const c = await connect(lt.port);
  const got = hashUntilEnd(c);
  c.end('hello');
  await got;
  c.destroy();
  t.equal((await lt.stop()).code, 0);
  const r = await runLooptap(['stats', file]);
  t.equal(r.code, 2);
  t.equal(r.stdout, '');
  t.match(r.stderr, /^looptap: no exchanges in this capture \(written before looptap 0\.2\?\)/);
  t.equal(r.stderr.trim().split('\n').length, 1, 'one line');
  const missing = await runLooptap(['stats', join(dir, 'nope.jsonl')]);
  t.equal(missing.code, 2);
  t.match(missing.stderr, /no such file/);
});
