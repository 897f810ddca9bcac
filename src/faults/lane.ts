// One direction of a faulted connection: a FIFO of byte pieces and actions, each with the time it
// may leave. Byte toxics only compute those times (latency adds, bandwidth spaces, slicer cuts);
// the lane delivers in order, never early, waits for the peer's 'drain', and holds the sender
// back while it keeps more than HIGH bytes (so a slow toxic never fills memory).
//
//   chunk ──toxics: pieces + times──▶ [lane FIFO] ──timer──▶ io.deliver / io.reply / io.end

import type { From } from '../events.js';
import type { InterceptorIO } from '../relay/interceptor.js';

const HIGH = 1024 * 1024;
const LOW = 256 * 1024;

type Item =
  | { at: number; bytes: Buffer }
  | { at: number; reply: Buffer; injected?: string }
  | { at: number; act: () => void };

export const clock = (): number => performance.now();

export class Lane {
  private items: Item[] = [];
  private head = 0;
  private queued = 0;
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private waitingDrain = false;
  private holding = false;
  private dead = false;
  /** the time the last item may leave: later items never leave before it (FIFO) */
  last = 0;

  constructor(
    private readonly io: InterceptorIO,
    /** whose bytes this lane carries */
    private readonly from: From,
  ) {}

  get empty(): boolean {
    return this.head === this.items.length;
  }

  /** bytes `from` sent, to its peer, not before `at` */
  bytes(bytes: Buffer, at: number): void {
    if (bytes.length === 0) return;
    this.queued += bytes.length;
    this.push({ at, bytes });
    if (!this.holding && this.queued > HIGH) {
      this.holding = true;
      this.io.hold(this.from, true);
    }
  }

  /** looptap's own answer, to the side this lane delivers to */
  reply(bytes: Buffer, at: number, injected?: string): void {
    this.push({ at, reply: bytes, injected });
  }

  act(fn: () => void, at: number): void {
    this.push({ at, act: fn });
  }

  dispose(): void {
    this.dead = true;
    clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.items = [];
    this.head = 0;
  }

  private push(item: Item): void {
    if (this.dead) return;
    item.at = Math.max(item.at, this.last);
    this.last = item.at;
    this.items.push(item);
    // never deliver inside the caller's stack: the relay records the chunk that caused this
    // first, so a reply is always recorded after the request it answers
    if (!this.immediate && !this.timer && !this.waitingDrain) {
      this.immediate = setImmediate(() => {
        this.immediate = undefined;
        this.pump();
      });
    }
  }

  private pump(): void {
    while (!this.dead && !this.waitingDrain && this.head < this.items.length) {
      const item = this.items[this.head]!;
      const wait = item.at - clock();
      if (wait > 0.5) {
        this.timer = setTimeout(() => {
          this.timer = undefined;
          this.pump();
        }, Math.ceil(wait));
        return;
      }
      this.head++;
      if ('bytes' in item) {
        this.queued -= item.bytes.length;
        if (!this.io.deliver(this.from, item.bytes)) {
          this.waitingDrain = true;
          this.io.onDrain(this.from, () => {
            this.waitingDrain = false;
            this.pump();
          });
        }
      } else if ('reply' in item) {
        // a reply to the client travels the server-to-client lane (from = 'server')
        this.io.reply(this.from === 'server' ? 'client' : 'server', item.reply, item.injected);
      } else item.act();
      if (this.holding && this.queued < LOW) {
        this.holding = false;
        this.io.hold(this.from, false);
      }
    }
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head > 1024) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
}
