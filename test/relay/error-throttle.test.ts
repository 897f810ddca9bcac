// ErrorThrottle (src/relay/error-throttle.ts) on its own: what passes, what is counted, when the
// count is written. The windows are short here; the test waits for the lines, not for time.

import t from 'tap';
import { ErrorThrottle } from '../../src/relay/error-throttle.js';
import type { CaptureEvent, ErrorEvent } from '../../src/events.js';

const err = (code: string, conn: number): ErrorEvent => ({
  type: 'error',
  time: Date.now(),
  level: 50,
  msg: `#${conn} ${code}`,
  code,
  message: `cannot reach target: ${code} on #${conn}`,
  conn,
});

function sink() {
  const got: CaptureEvent[] = [];
  let want = 0;
  let wake: (() => void) | undefined;
  return {
    got,
    out: (e: CaptureEvent): void => {
      got.push(e);
      if (got.length >= want) wake?.();
    },
    /** resolves once `n` events have come out */
    until: (n: number): Promise<void> =>
      got.length >= n
        ? Promise.resolve()
        : new Promise((r) => {
            want = n;
            // the throttle's timers are unref'd: keep the test alive while it waits
            const keep = setInterval(() => undefined, 1000);
            wake = () => {
              clearInterval(keep);
              r();
            };
          }),
  };
}

t.test('other events and other codes pass untouched', async (t) => {
  const s = sink();
  const th = new ErrorThrottle(s.out, 10_000);
  for (let i = 0; i < 5; i++) th.emit(err('ECONNREFUSED', i));
  th.emit({ type: 'end', time: 1, level: 30, msg: 'x', conn: 1, from: 'client' });
  t.equal(s.got.length, 6);
  th.close();
  t.equal(s.got.length, 6, 'nothing to flush');
});

t.test('the first at once, the rest counted at the end of the window', async (t) => {
  const s = sink();
  const th = new ErrorThrottle(s.out, 30);
  for (let i = 1; i <= 10; i++) th.emit(err('EMFILE', i));
  th.emit(err('ENFILE', 11));
  t.same(
    s.got.map((e) => (e as ErrorEvent).code),
    ['EMFILE', 'ENFILE'],
    'one line per code at once',
  );
  await s.until(3);
  const summary = s.got[2] as ErrorEvent;
  t.match(summary.message, /^EMFILE repeated 9 times in the last [\d.]+ s: .*EMFILE on #10$/);
  t.equal(summary.conn, undefined, 'about the process, not one connection');
  t.equal(summary.level, 50);
  // the next window has begun: this one is counted too, and close writes the count
  th.emit(err('EMFILE', 12));
  t.equal(s.got.length, 3, 'counted, not written');
  th.close();
  t.equal(s.got.length, 4);
  t.match((s.got[3] as ErrorEvent).message, /^EMFILE repeated 1 time in .*EMFILE on #12$/);
});

t.test('close after a quiet window writes nothing more', async (t) => {
  const s = sink();
  const th = new ErrorThrottle(s.out, 10_000);
  th.emit(err('EMFILE', 1));
  th.close();
  t.equal(s.got.length, 1);
  th.emit(err('EMFILE', 2));
  t.equal(s.got.length, 2, 'after close the state is fresh: written at once');
  th.close();
});
