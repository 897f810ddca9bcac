// E1 and E2 (research/reliability.md) through the real CLI: looptap listens on loopback only and
// forwards to loopback only unless --allow-remote; a refused address exits 2 with one line, a
// busy port exits 1 with one line naming the address and the fix. Needs `npm run build`.

import t, { type Test } from 'tap';
import net from 'node:net';
import { networkInterfaces } from 'node:os';
import {
  assertBuilt,
  deadPort,
  runLooptap,
  spawnLooptap,
  startEcho,
  connect,
  hashUntilEnd,
} from '../helpers/net.js';

t.before(assertBuilt);

/** exactly one line on stderr, starting "looptap: ", no stack trace */
function oneLine(t: Test, stderr: string, pattern: RegExp): void {
  const lines = stderr.split('\n').filter((l) => l.trim() !== '');
  t.equal(lines.length, 1, `one stderr line: ${JSON.stringify(stderr)}`);
  t.match(lines[0], /^looptap: /);
  t.match(lines[0], pattern);
  t.notMatch(stderr, /\n\s+at /, 'no stack trace');
}

const hasV6Loopback = Object.values(networkInterfaces())
  .flat()
  .some((i) => i?.address === '::1');

t.test('E1 non-loopback listen addresses are refused with exit 2', async (t) => {
  const target = String(await deadPort());
  const cases: Array<[string, RegExp]> = [
    ['0.0.0.0:0', /0\.0\.0\.0:0 is not loopback.*--allow-remote/],
    ['[::]:0', /\[::\]:0 is not loopback/],
    ['192.0.2.1:0', /192\.0\.2\.1:0 is not loopback/],
    [':0', /empty host.*127\.0\.0\.1:0/],
  ];
  for (const [listen, msg] of cases) {
    const r = await runLooptap(['--target', target, '--listen', listen]);
    t.equal(r.code, 2, `--listen ${listen}: exit 2`);
    oneLine(t, r.stderr, msg);
    t.equal(r.stdout, '', 'nothing announced');
  }
});

t.test('E1 loopback listen addresses are accepted and bound exactly', async (t) => {
  const echo = await startEcho(t);
  const hosts = ['127.0.0.2', ...(hasV6Loopback ? ['[::1]'] : [])];
  if (!hasV6Loopback) t.comment('no ::1 on this machine: the IPv6 case is skipped');
  for (const host of hosts) {
    const lt = await spawnLooptap(t, [
      '--target',
      echo.address,
      '--listen',
      `${host}:0`,
      '--quiet',
    ]);
    t.match(lt.announcement, `listening on ${host}:${lt.port} -> ${echo.address}`);
    const c = await connect(lt.port, host.replace(/[[\]]/g, ''));
    const got = hashUntilEnd(c);
    c.end('hi');
    t.equal((await got).bytes, 2, `traffic flows through ${host}`);
    // and only there: 127.0.0.1 on the same port has no listener
    const other = net.connect({ host: '127.0.0.1', port: lt.port });
    const err = await new Promise<string>((resolve) => {
      other.on('connect', () => resolve('connected'));
      other.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
    });
    other.destroy();
    t.equal(err, 'ECONNREFUSED', `not bound on 127.0.0.1 when asked for ${host}`);
    t.equal((await lt.stop()).code, 0);
  }
});

t.test('E2 non-loopback targets are refused with exit 2', async (t) => {
  for (const target of ['192.0.2.1:5432', '0.0.0.0:5432']) {
    const r = await runLooptap(['--target', target]);
    t.equal(r.code, 2, `--target ${target}: exit 2`);
    oneLine(t, r.stderr, /target address .* is not loopback.*--allow-remote/);
  }
});

t.test('busy listen port: exit 1, one line naming the address and the fix', async (t) => {
  const echo = await startEcho(t);
  const r = await runLooptap(['--target', echo.address, '--listen', echo.address]);
  t.equal(r.code, 1);
  oneLine(t, r.stderr, new RegExp(`${echo.address} is already in use.*--listen`));
});

// the UI used to bind after the relay had printed `listening on`, and its error named --listen
t.test('busy --ui port: exit 1 before any listening line, naming --ui', async (t) => {
  const echo = await startEcho(t);
  const r = await runLooptap(['--target', echo.address, '--ui', echo.address]);
  t.equal(r.code, 1);
  oneLine(t, r.stderr, new RegExp(`${echo.address} is already in use: pick another --ui port`));
  t.notMatch(r.stdout + r.stderr, /listening on/);
});

// yargs gives NaN for `--max-value abc` and lets `-5` through; a NaN --max-value made the
// PostgreSQL decoder lose track of a login and show its SCRAM messages raw
t.test(
  'a number flag that is not a number of 0 or more exits 2, naming what was typed',
  async (t) => {
    for (const [flag, value] of [
      ['--max-value', 'abc'],
      ['--preview', '-5'],
      ['--grace', 'abc'],
      ['--connect-timeout', '1e999'],
    ] as const) {
      const r = await runLooptap(['--target', '5432', flag, value]);
      t.equal(r.code, 2, `${flag} ${value}`);
      t.equal(
        r.stderr.trim(),
        `looptap: ${flag} "${value}" is not a number of 0 or more: give one, e.g. ${flag} 100`,
      );
      t.equal(r.stdout, '', 'nothing listened');
    }
  },
);

t.test('a mistyped command is named as neither a command nor a target', async (t) => {
  const r = await runLooptap(['sttas', 'cap.jsonl']);
  t.equal(r.code, 2);
  t.match(
    r.stderr,
    /^looptap: "sttas" is neither a command nor a target: the commands are tcp, http/,
  );
  t.equal(r.stdout, '');
});
