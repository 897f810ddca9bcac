// The fault interceptor of one connection: protocol toxics first (on the client's requests, as
// the adapter frames them), then the byte toxics of each stream, then the lanes that deliver.
// With no toxic on a stream (and nothing queued on it), a chunk is forwarded as it came, at once:
// forwarding is byte-exact unless a toxic applies.
//
//   client ─▶ adapter units ─▶ [hold / reply_error / drop / delay] ─▶ upstream toxics ─▶ lane ─▶ server
//   server ─▶ adapter marks ─▶ [injected answers in order, rows] ─▶ downstream toxics ─▶ lane ─▶ client

import type { DecodeSetting, From } from '../events.js';
import type { InterceptResult, Interceptor, InterceptorIO } from '../relay/interceptor.js';
import { AnswerQueue } from './answer-queue.js';
import { applyByteToxic, type Action, type Piece } from './byte-toxics.js';
import { ConnectionToxics } from './connection-toxics.js';
import { clock, Lane } from './lane.js';
import { Detector } from './protocols/index.js';
import type { Adapter, Unit } from './protocols/adapter.js';
import type { LiveToxic, ToxicSet } from './toxic-set.js';
import { PROTOCOL_TOXICS, type Stream } from './toxics.js';

const EMPTY = Buffer.alloc(0);
/** a request still incomplete after this many bytes is forwarded unmatched */
const HOLD_MAX = 1024 * 1024;

const streamOf = (from: From): Stream => (from === 'client' ? 'upstream' : 'downstream');

export class FaultedConnection implements Interceptor {
  private io!: InterceptorIO;
  private lanes!: Record<From, Lane>;
  private readonly detector: Detector;
  private mine!: ConnectionToxics;
  private answers!: AnswerQueue;
  private pending: Buffer[] = [];
  private pendingStart = 0;
  private pendingLen = 0;
  private sOffset = 0;
  /** delay_reply: server bytes wait until then */
  private holdUntil = 0;
  private rowDrop: { left: number; name: string } | undefined;
  private offChange: (() => void) | undefined;
  private dead = false;

  constructor(
    private readonly toxics: ToxicSet,
    decode: DecodeSetting,
    private readonly route?: string,
  ) {
    this.detector = new Detector(decode);
  }

  private get adapter(): Adapter | undefined {
    return this.detector.adapter;
  }

  bind(io: InterceptorIO): void {
    this.io = io;
    this.lanes = { client: new Lane(io, 'client'), server: new Lane(io, 'server') };
    this.answers = new AnswerQueue((reply, injected) =>
      this.lanes.server.reply(reply, clock(), injected),
    );
    this.mine = new ConnectionToxics(this.toxics, (why) => this.io.close(why));
    this.offChange = this.toxics.onChange(() => this.mine.armTimers());
    this.mine.armTimers();
  }

  dispose(): void {
    this.dead = true;
    this.offChange?.();
    this.mine.dispose();
    this.lanes.client.dispose();
    this.lanes.server.dispose();
  }

  client(chunk: Buffer): InterceptResult {
    const replay = this.detector.see('client', chunk);
    if (replay) this.replay(replay);
    const units = !this.adapter || this.adapter.lost ? [] : this.adapter.client(chunk);
    if (this.adapter && (!this.adapter.countsAnswers || this.adapter.lost)) {
      this.answers.stopCounting();
    }
    if (!this.busy('client') && !this.mine.protocolToxics()) {
      for (const u of units) this.answers.forwarded(u.answers);
      this.pendingStart += chunk.length;
      return { forward: chunk };
    }
    this.pending.push(chunk);
    this.pendingLen += chunk.length;
    for (const u of units) this.unit(u);
    const a = this.adapter;
    const hold = a && !a.lost && a.partialHoldable && this.mine.protocolToxics();
    if (this.pendingLen > 0 && (!hold || this.pendingLen > HOLD_MAX)) this.up(this.take(Infinity));
    return { forward: EMPTY };
  }

  server(chunk: Buffer): InterceptResult {
    const replay = this.detector.see('server', chunk);
    if (replay) this.replay(replay);
    const start = this.sOffset;
    this.sOffset += chunk.length;
    const marks = !this.adapter || this.adapter.lost ? undefined : this.adapter.server(chunk);
    if (!this.busy('server') && !this.answers.waiting && !this.rowDrop) {
      if (marks) for (let i = 0; i < marks.answers.length; i++) this.answers.answered();
      return { forward: chunk };
    }
    const cuts: Array<{ at: number; answer: boolean }> = [];
    for (const e of marks?.answers ?? []) cuts.push({ at: e - start, answer: true });
    if (this.rowDrop)
      for (const e of marks?.rows ?? []) cuts.push({ at: e - start, answer: false });
    cuts.sort((x, y) => x.at - y.at);
    let pos = 0;
    for (const c of cuts) {
      if (c.at > pos) this.down(chunk.subarray(pos, c.at));
      pos = Math.max(pos, c.at);
      if (c.answer) this.answers.answered();
      else if (this.rowDrop && --this.rowDrop.left <= 0) {
        const why = `drop_connection ${this.rowDrop.name}: reset after the rows it allowed`;
        this.rowDrop = undefined;
        this.lanes.server.act(() => this.io.reset(why), this.lanes.server.last);
        return { forward: EMPTY };
      }
    }
    if (pos < chunk.length) this.down(chunk.subarray(pos));
    return { forward: EMPTY };
  }

  end(from: From): boolean {
    if (from === 'client' && this.pendingLen > 0) this.up(this.take(Infinity));
    const slow = this.mine.active(streamOf(from)).find((t) => t.spec.type === 'slow_close');
    const lane = this.lanes[from];
    if (!slow && lane.empty) return false;
    const delay = slow ? Number(slow.spec.attributes.delay ?? 0) : 0;
    lane.act(() => this.io.end(from), Math.max(clock() + delay, lane.last));
    return true;
  }

  /** chunks that came before the protocol was known were forwarded; only count their answers
   * (the last one is the chunk being handled now: the caller feeds it) */
  private replay(early: Array<{ from: From; chunk: Buffer }>): void {
    const a = this.adapter!;
    for (const e of early.slice(0, -1)) {
      if (e.from === 'client') for (const u of a.client(e.chunk)) this.answers.forwarded(u.answers);
      else for (let i = a.server(e.chunk).answers.length; i > 0; i--) this.answers.answered();
    }
  }

  private unit(u: Unit): void {
    if (u.end <= this.pendingStart) return this.answers.forwarded(u.answers);
    const whole = u.start >= this.pendingStart;
    const bytes = this.take(u.end);
    if (!whole) {
      this.answers.forwarded(u.answers);
      return this.up(bytes);
    }
    const ov = this.adapter?.override?.(u);
    if (ov && 'reply' in ov) {
      if (ov.reply.length > 0) this.answers.inject(ov.reply, 'looptap');
      return;
    }
    if (ov && 'rewrite' in ov) {
      this.answers.forwarded(ov.answers);
      return this.up(ov.rewrite);
    }
    const t = u.request ? this.matching(u) : undefined;
    if (!t) {
      this.answers.forwarded(u.answers);
      return this.up(bytes);
    }
    const name = t.spec.name;
    const a = t.spec.attributes;
    switch (t.spec.type) {
      case 'reply_error':
        this.io.note(`fault ${name}: reply_error instead of forwarding ${u.request!.text}`);
        return this.answers.inject(this.adapter!.errorReply(a, u), name);
      case 'drop_connection':
        if (Number(a.rows) > 0) {
          this.rowDrop = { left: Number(a.rows), name };
          this.answers.forwarded(u.answers);
          return this.up(bytes);
        }
        this.pending = [];
        this.pendingLen = 0;
        return this.io.reset(`fault ${name}: drop_connection at ${u.request!.text}`);
      case 'delay_reply': {
        const delay = Number(a.delay ?? 0);
        this.io.note(`fault ${name}: delay_reply ${delay} ms for ${u.request!.text}`);
        this.holdUntil = Math.max(this.holdUntil, clock() + delay);
        this.answers.forwarded(u.answers);
        return this.up(bytes);
      }
    }
  }

  /** the first protocol toxic that is on for this connection, matches, and has count left */
  private matching(u: Unit): LiveToxic | undefined {
    const x = {
      conn: this.io.conn,
      protocol: this.adapter!.protocol,
      request: u.request!,
      route: this.route,
    };
    for (const t of this.toxics.all) {
      if (!PROTOCOL_TOXICS.has(t.spec.type) || !this.mine.roll(t).on) continue;
      let hit: boolean;
      try {
        hit = t.spec.filter?.match(x) ?? true;
      } catch {
        hit = false;
      }
      if (hit && this.toxics.claim(t)) return t;
    }
    return undefined;
  }

  private take(end: number): Buffer {
    const n = Math.min(this.pendingLen, end - this.pendingStart);
    const all = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending);
    const out = all.subarray(0, n);
    const rest = all.subarray(n);
    this.pending = rest.length > 0 ? [rest] : [];
    this.pendingLen = rest.length;
    this.pendingStart += n;
    return out;
  }

  private up(bytes: Buffer): void {
    this.through('client', bytes, 0);
  }

  private down(bytes: Buffer): void {
    this.through('server', bytes, this.holdUntil);
  }

  /** `from`'s bytes through its stream's byte toxics into its lane */
  private through(from: From, bytes: Buffer, notBefore: number): void {
    if (bytes.length === 0 || this.dead) return;
    const now = clock();
    let pieces: Piece[] = [{ bytes, at: Math.max(now, notBefore) }];
    const actions: Action[] = [];
    for (const t of this.mine.active(streamOf(from))) {
      pieces = applyByteToxic(
        t.spec.type,
        t.spec.name,
        t.spec.attributes,
        this.mine.roll(t).st,
        pieces,
        now,
        actions,
      );
    }
    const lane = this.lanes[from];
    for (const p of pieces) lane.bytes(p.bytes, p.at);
    for (const a of actions) {
      lane.act(() => (a.kind === 'reset' ? this.io.reset(a.why) : this.io.close(a.why)), a.at);
    }
  }

  /** something on this side's path: a byte toxic, queued bytes, a delay_reply hold */
  private busy(from: From): boolean {
    if (!this.lanes[from].empty) return true;
    if (from === 'server' && this.holdUntil > clock()) return true;
    if (from === 'client' && this.pendingLen > 0) return true;
    return this.mine.active(streamOf(from)).length > 0;
  }
}
