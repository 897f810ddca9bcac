// One connection's view of its proxy's toxics: toxicity rolled once per connection and toxic
// (as Toxiproxy does per link), each byte toxic's state, and the timers of timeout toxics, which
// close idle connections too (armed on every change of the set; disarmed when removed).

import { newByteState, type ByteState } from './byte-toxics.js';
import type { LiveToxic, ToxicSet } from './toxic-set.js';
import { PROTOCOL_TOXICS, type Stream } from './toxics.js';

export interface Roll {
  on: boolean;
  st: ByteState;
  timer?: NodeJS.Timeout;
}

export class ConnectionToxics {
  private rolls = new Map<LiveToxic, Roll>();
  private dead = false;

  constructor(
    private readonly toxics: ToxicSet,
    private readonly close: (why: string) => void,
  ) {}

  /** byte toxics on this stream that are on for this connection */
  active(stream: Stream): LiveToxic[] {
    const out: LiveToxic[] = [];
    for (const t of this.toxics.all) {
      if (t.spec.stream === stream && !PROTOCOL_TOXICS.has(t.spec.type) && this.roll(t).on)
        out.push(t);
    }
    return out;
  }

  protocolToxics(): boolean {
    for (const t of this.toxics.all) if (PROTOCOL_TOXICS.has(t.spec.type)) return true;
    return false;
  }

  roll(t: LiveToxic): Roll {
    let r = this.rolls.get(t);
    if (!r) {
      r = { on: t.spec.toxicity >= 1 || Math.random() < t.spec.toxicity, st: newByteState() };
      this.rolls.set(t, r);
    }
    return r;
  }

  armTimers(): void {
    if (this.dead) return;
    const live = new Set(this.toxics.all);
    for (const [t, r] of this.rolls) {
      if (!live.has(t)) {
        clearTimeout(r.timer);
        this.rolls.delete(t);
      }
    }
    for (const t of this.toxics.all) {
      if (t.spec.type !== 'timeout') continue;
      const r = this.roll(t);
      const ms = Number(t.spec.attributes.timeout ?? 0);
      if (r.on && ms > 0 && !r.timer) {
        const why = `timeout ${t.spec.name}: no data for ${ms} ms, closing`;
        r.timer = setTimeout(() => this.close(why), ms);
      }
    }
  }

  dispose(): void {
    this.dead = true;
    for (const r of this.rolls.values()) clearTimeout(r.timer);
  }
}
