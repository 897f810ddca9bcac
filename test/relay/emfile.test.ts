// Out of file descriptors (EMFILE) is a state of the process, not of one connection: at the
// limit every accept and every connect to the target fails the same way, and looptap used to
// write one error line per connection. Now (src/relay/error-throttle.ts) the first is written at
// once and the rest are counted into one "repeated N times" line at most every 5 s (and at
// close). A real child with `ulimit -n 120`, 400 connections at once. Needs `npm run build`.

import t from 'tap';
import net from 'node:net';
import { assertBuilt, spawnLooptap, startEcho } from '../helpers/net.js';

assertBuilt();

const CONNECTIONS = 400;

t.test('EMFILE: one line, then a count', async (t) => {
  const echo = await startEcho(t);
  const lt = await spawnLooptap(t, ['--target', echo.address, '--json', '--decode', 'raw'], {
    shellPrefix: 'ulimit -n 120;',
  });
  const started = Date.now();
  let closed = 0;
  let allFailed!: () => void;
  const enough = new Promise<void>((r) => (allFailed = r));
  const socks: net.Socket[] = [];
  for (let i = 0; i < CONNECTIONS; i++) {
    const s = net.connect({ host: '127.0.0.1', port: lt.port });
    s.on('error', () => undefined);
    // at most ~50 connections fit in 120 descriptors (2 each): the others are closed by looptap
    s.on('close', () => {
      if (++closed === 300) allFailed();
    });
    socks.push(s);
  }
  await enough;
  const { code } = await lt.stop('SIGTERM');
  const elapsed = Date.now() - started;
  for (const s of socks) s.destroy();
  t.equal(code, 0);

  const events = lt.stdout.slice(1).map((l) => JSON.parse(l) as Record<string, unknown>);
  const emfile = events.filter((e) => e.type === 'error' && e.code === 'EMFILE');
  const failedConnects = events.filter(
    (e) => e.type === 'close' && e.reason === 'connect_failed',
  ).length;
  t.ok(emfile.length >= 2, 'the first EMFILE, then the count');
  const bound = 2 + Math.floor(elapsed / 5000);
  t.ok(emfile.length <= bound, `${emfile.length} EMFILE lines in ${elapsed} ms (at most ${bound})`);
  t.match(String(emfile[0]!.message), /out of file descriptors \(EMFILE\): raise the limit/);
  const counted = emfile
    .slice(1)
    .map((e) => /^EMFILE repeated (\d+) times? in the last [\d.]+ s: /.exec(String(e.message)))
    .map((m) => Number(m?.[1] ?? NaN));
  t.notOk(counted.some(Number.isNaN), 'every later line is a count');
  const represented = 1 + counted.reduce((a, b) => a + b, 0);
  t.ok(
    represented >= failedConnects,
    `the counts cover every failed connect (${represented} >= ${failedConnects})`,
  );
  t.ok(failedConnects > 0, `${failedConnects} connects to the target failed with EMFILE`);
});
