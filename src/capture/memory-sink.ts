// Keeps events in an array: for tests and for in-process users of the library API.

import type { CaptureEvent, MessageEvent, ProtocolName } from '../events.js';
import type { Sink } from './hub.js';

export class MemorySink implements Sink {
  readonly name = 'memory sink';
  readonly events: CaptureEvent[] = [];
  private waiters: Array<{
    pred: (e: CaptureEvent) => boolean;
    resolve: (e: CaptureEvent) => void;
  }> = [];

  write(event: CaptureEvent): boolean {
    this.events.push(event);
    if (this.waiters.length) {
      this.waiters = this.waiters.filter((w) => {
        if (!w.pred(event)) return true;
        w.resolve(event);
        return false;
      });
    }
    return true;
  }

  messages(protocol?: ProtocolName): MessageEvent[] {
    return this.events.filter(
      (e): e is MessageEvent => e.type === 'message' && (!protocol || e.protocol === protocol),
    );
  }

  ofType<T extends CaptureEvent['type']>(type: T): Extract<CaptureEvent, { type: T }>[] {
    return this.events.filter((e) => e.type === type) as Extract<CaptureEvent, { type: T }>[];
  }

  /** resolves with the first event (already seen or future) that matches */
  waitFor(pred: (e: CaptureEvent) => boolean, timeoutMs = 10_000): Promise<CaptureEvent> {
    const seen = this.events.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.resolve !== done);
        reject(new Error(`no matching event within ${timeoutMs} ms`));
      }, timeoutMs);
      const done = (e: CaptureEvent): void => {
        clearTimeout(timer);
        resolve(e);
      };
      this.waiters.push({ pred, resolve: done });
    });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
