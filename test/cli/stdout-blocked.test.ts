// `looptap --json | (head -1; sleep 45)`: a reader that stops reading without closing the pipe.
// The blocked stdout freezes forwarding (the hub's backpressure, docs/long-runs.md), but SIGTERM
// must still end looptap within --grace plus a bounded flush (lifecycle.ts): before the fix the
// process stayed alive as long as the pipe write was pending, i.e. until the reader went away.
// The child's stdout here is a real pipe that this test never reads after the announcement.

import t from 'tap';
import { once } from 'node:events';
import { assertBuilt, connect, MiB, payload, spawnLooptap, startServer } from '../helpers/net.js';

assertBuilt();

const GRACE = 500;
/** --grace + FLUSH_LIMIT_MS (2 s) + room for a machine with both cores busy */
const BOUND = GRACE + 2000 + 6000;

t.test(
  'SIGTERM with a stdout nobody reads ends within --grace plus the flush limit',
  { timeout: 30_000 },
  async (t) => {
    // an echo server that says when the first forwarded bytes arrive: the relay has emitted their
    // data event by then, a --json line larger than the pipe's 64 KiB
    let arrived!: () => void;
    const forwarded = new Promise<void>((r) => (arrived = r));
    const echo = await startServer(t, (s) => {
      s.once('data', () => arrived());
      s.pipe(s);
    });
    const lt = await spawnLooptap(t, [
      '--target',
      echo.address,
      '--json',
      '--grace',
      String(GRACE),
    ]);
    // stop reading: from here the pipe fills and stays full
    lt.child.stdout!.pause();
    const exit = once(lt.child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;

    // 8 MiB as --json data lines is more than 10 MiB of stdout: it cannot all pass a pipe nobody
    // reads, so forwarding is frozen when the signal comes, or freezes during the grace period
    const data = payload(3, 8 * MiB);
    const sock = await connect(lt.port);
    sock.on('error', () => undefined);
    let echoed = 0;
    sock.on('data', (d: Buffer) => (echoed += d.length));
    sock.write(data);
    await forwarded;

    const started = Date.now();
    lt.child.kill('SIGTERM');
    const [code, signal] = await exit;
    const ms = Date.now() - started;
    lt.child.stdout!.resume();
    t.equal(signal, null, 'not killed');
    t.equal(code, 0, 'a clean end: the capture path was not involved');
    t.ok(ms < BOUND, `exited ${ms} ms after SIGTERM (bound ${BOUND} ms)`);
    t.ok(echoed < data.length, `forwarding was frozen by the blocked stdout (${echoed} B echoed)`);
    await once(lt.child, 'close');
    t.match(
      lt.stderr.join('\n'),
      /the output did not take its last \d+ bytes within 2000 ms \(nobody reads it\)/,
      'says why output was left behind',
    );
  },
);
