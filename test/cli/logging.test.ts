// The operational log on stderr (docs/logging.md): plain `looptap: ...` lines in a pipe by
// default, pino JSON lines with --log-format json, pino-pretty's lines with --log-format pretty,
// and --log-level as pino's filter. stdout (the announcement, the events) never changes.
// Needs `npm run build`.

import t, { type Test } from 'tap';
import { assertBuilt, connect, runLooptap, spawnLooptap, startEcho } from '../helpers/net.js';

t.before(assertBuilt);

async function oneConnection(port: number): Promise<void> {
  const c = await connect(port);
  const closed = new Promise((r) => c.once('close', r));
  c.end('PING\r\n');
  c.resume();
  await closed;
}

async function run(t: Test, extra: string[]) {
  const echo = await startEcho(t);
  const lt = await spawnLooptap(t, ['--target', echo.address, '--no-redact', ...extra]);
  await oneConnection(lt.port);
  const { code } = await lt.stop('SIGINT');
  t.equal(code, 0);
  t.match(lt.announcement, /^listening on 127\.0\.0\.1:\d+ -> /, 'stdout starts as always');
  return lt.stderr.filter((l) => l !== '');
}

t.test('default in a pipe: the plain lines', async (t) => {
  const err = await run(t, []);
  t.equal(err[0], 'looptap: --no-redact: passwords and credentials WILL be shown and captured');
  t.match(err[1], /^looptap: stopped: 1 connection; client sent 6 B, server sent 6 B/);
});

t.test('--log-format json: pino lines with level, time, msg', async (t) => {
  const err = await run(t, ['--log-format', 'json']);
  const records = err.map((l) => JSON.parse(l) as Record<string, unknown>);
  t.match(records[0], {
    level: 40,
    time: Number,
    msg: '--no-redact: passwords and credentials WILL be shown and captured',
  });
  t.match(records[1], {
    level: 30,
    msg: /^stopped: 1 connection/,
    summary: { connections: 1, bytes: { client: 6, server: 6 } },
  });
  t.equal(records.length, 2);
});

t.test('--log-format json: a usage error is one record with its code', async (t) => {
  const r = await runLooptap(['--target', '5432', '--rows', '-1', '--log-format', 'json']);
  t.equal(r.code, 2);
  const lines = r.stderr.trim().split('\n');
  t.equal(lines.length, 1);
  t.match(JSON.parse(lines[0]!), {
    level: 50,
    code: 'BAD_NUMBER',
    msg: /^--rows "-1" is not a number/,
  });
});

t.test('--log-format pretty: pino-pretty lines', async (t) => {
  const err = await run(t, ['--log-format', 'pretty']);
  t.match(err[0], /^\[\d\d:\d\d:\d\d\.\d{3}\] WARN: --no-redact: passwords/);
  t.ok(
    err.some((l) => /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: stopped: 1 connection/.test(l)),
    err.join('\n'),
  );
});

t.test('--log-level: warn hides the summary, error hides the warning too', async (t) => {
  const warn = await run(t, ['--log-level', 'warn']);
  t.same(warn, ['looptap: --no-redact: passwords and credentials WILL be shown and captured']);
  const error = await run(t, ['--log-level', 'error']);
  t.same(error, []);
  const bad = await runLooptap(['--target', '5432', '--log-level', 'loud']);
  t.equal(bad.code, 2);
  t.match(bad.stderr, /^looptap: Invalid values: .*log-level/);
});
