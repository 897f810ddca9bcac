// Errors that say "the process is out of something" (file descriptors, ports, buffers) are not
// about one connection: at the limit, every accept or connect fails the same way, and looptap
// used to log one line per connection, thousands a second. They go through here instead:
//
//   first EMFILE ──▶ emitted at once
//   more within REPEAT_WINDOW_MS ──▶ counted; at the end of the window one line
//                                    "EMFILE repeated N times in the last 5.0 s: <last message>"
//   a window with none ──▶ forgotten: the next one is emitted at once again
//
// Every other event passes untouched. The close events of the failed connections still carry
// their reason (connect_failed), so nothing about them is lost but the repetition.

import type { CaptureEvent, ErrorEvent } from '../events.js';

/** at most one line per code in this long */
export const REPEAT_WINDOW_MS = 5000;

/** process-wide conditions that repeat for every connection while they last */
const THROTTLED = new Set(['EMFILE', 'ENFILE', 'ENOBUFS', 'ENOMEM', 'EADDRNOTAVAIL']);

interface Repeats {
  since: number;
  count: number;
  last?: ErrorEvent;
  timer?: NodeJS.Timeout;
}

export class ErrorThrottle {
  private repeats = new Map<string, Repeats>();

  constructor(
    private readonly out: (e: CaptureEvent) => void,
    private readonly windowMs = REPEAT_WINDOW_MS,
  ) {}

  emit(e: CaptureEvent): void {
    if (e.type !== 'error' || !THROTTLED.has(e.code)) return this.out(e);
    const r = this.repeats.get(e.code);
    if (!r) {
      this.repeats.set(e.code, { since: Date.now(), count: 0 });
      this.out(e);
      this.arm(e.code);
      return;
    }
    r.count++;
    r.last = e;
  }

  /** says what is still counted (the relay is closing) and stops the timers */
  close(): void {
    for (const code of [...this.repeats.keys()]) this.flush(code, false);
  }

  private arm(code: string): void {
    const r = this.repeats.get(code)!;
    r.timer = setTimeout(() => this.flush(code, true), this.windowMs);
    // never what keeps the process alive
    r.timer.unref();
  }

  private flush(code: string, again: boolean): void {
    const r = this.repeats.get(code);
    if (!r) return;
    clearTimeout(r.timer);
    if (r.count === 0 || !r.last) {
      this.repeats.delete(code);
      return;
    }
    const secs = ((Date.now() - r.since) / 1000).toFixed(1);
    const times = r.count === 1 ? 'time' : 'times';
    const message = `${code} repeated ${r.count} ${times} in the last ${secs} s: ${r.last.message}`;
    this.out({
      type: 'error',
      time: Date.now(),
      level: r.last.level,
      msg: message,
      code,
      message,
    });
    if (!again) {
      this.repeats.delete(code);
      return;
    }
    r.since = Date.now();
    r.count = 0;
    r.last = undefined;
    this.arm(code);
  }
}
