// One Node timer behind every HTTP-mode exchange's --timeout deadline.

import type { Exchange } from './exchange.js';

/** The silence deadlines (--timeout) of all exchanges behind one Node timer, instead of a
 * setTimeout/clearTimeout pair (and two ref toggles into C++) per request. Every deadline is
 * `timeoutMs` after its arming, so a Set in arming order (re-arming moves an exchange to the end)
 * is in deadline order too: the timer only ever waits for the first entry. */
export class SilenceClock {
  private waiting = new Set<Exchange>();
  private timer?: NodeJS.Timeout;
  private firing = false;

  constructor(private readonly ms: number) {}

  arm(ex: Exchange): void {
    this.waiting.delete(ex);
    ex.deadline = performance.now() + this.ms;
    this.waiting.add(ex);
    if (this.timer === undefined && !this.firing) this.schedule(this.ms);
  }

  disarm(ex: Exchange): void {
    // the timer stays: when it fires for nothing it waits for the next entry or stops
    this.waiting.delete(ex);
  }

  private schedule(delay: number): void {
    this.timer = setTimeout(this.fire, Math.max(1, Math.ceil(delay)));
    this.timer.unref();
  }

  private readonly fire = (): void => {
    this.timer = undefined;
    this.firing = true;
    try {
      const t = performance.now();
      for (const ex of this.waiting) {
        if (ex.deadline > t) {
          this.schedule(ex.deadline - t);
          return;
        }
        this.waiting.delete(ex);
        ex.silenceExpired();
      }
    } finally {
      this.firing = false;
    }
  };
}
