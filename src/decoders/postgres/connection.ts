// One PostgreSQL connection: frames both directions, keeps the little state the protocol needs
// (startup phase, last Authentication code, pending frontend ops, COPY and row counters) and
// turns frames into messages. Chatty backend messages are folded (see docs/decoders/postgres.md).
//
//   client bytes ─▶ Framer(untyped→typed) ─▶ frontend.ts ─┐
//                                                          ├─▶ state here ─▶ messages + masks
//   server bytes ─▶ Framer(byte|typed)    ─▶ backend.ts  ─┘

import type { Decoded, DecodeStep, Decoder, DecoderOptions, Mask } from '../decoder.js';
import { NOTHING } from '../decoder.js';
import type { From } from '../../events.js';
import { CANCEL_REQUEST, F, GSSENC_REQUEST, SSL_REQUEST } from './codes.js';
import type { Frame, FrameEvent } from './framing.js';
import { Framer } from './framing.js';
import { decodeFrontend, decodeUntyped } from './frontend.js';
import type { FrontMsg } from './frontend.js';
import { PendingOps } from './pending.js';
import type { Op, OpKind } from './pending.js';
import { ServerSide } from './server-side.js';
import { TlsWatch } from './tls-watch.js';

/** the frontend messages that wait for an answer, by type letter */
const OP_OF: Record<number, OpKind> = {
  [F.Query]: 'Query',
  [F.FunctionCall]: 'FunctionCall',
  [F.Parse]: 'Parse',
  [F.Bind]: 'Bind',
  [F.Describe]: 'Describe',
  [F.Execute]: 'Execute',
  [F.Close]: 'Close',
  [F.Sync]: 'Sync',
};

export interface CopyAgg {
  messages: number;
  bytes: number;
  format?: string;
  columns?: number;
}

export class PgConnection implements Decoder {
  readonly protocol = 'postgres' as const;
  readonly client: Framer;
  readonly server: Framer;
  readonly ops = new PendingOps();
  /** the last Authentication request code: tells the four kinds of 'p' apart */
  authCode = -1;
  /** after an extended-protocol error, until the client's next Sync: ops the server skips */
  skipToSync = false;
  copy: Partial<Record<From, CopyAgg>> = {};
  private out: Decoded[] = [];
  private masks: Mask[] = [];
  private stopped: 'opaque' | 'fallback' | null = null;
  private reported = false;
  private fallbackReason = '';
  private tls: TlsWatch | null = null;
  private readonly backend: ServerSide;
  /** password keyword scan of a Query/Parse still arriving */
  private scan = { start: -1, scanned: 0, tail: '', hit: false };

  constructor(readonly opts: DecoderOptions) {
    const keep = Math.max(1024, opts.maxValue) + 1024;
    this.client = new Framer('client', 'untyped', keep);
    this.server = new Framer('server', 'typed', keep);
    this.backend = new ServerSide(this);
  }

  push(from: From, chunk: Buffer, time: number): DecodeStep {
    if (this.stopped) return this.step();
    try {
      (from === 'client' ? this.client : this.server).push(chunk, time);
      if (this.tls) this.watchTls(from, false);
      else this.drain(from === 'client' ? this.client : this.server);
    } catch (err) {
      this.stop(`internal error: ${err instanceof Error ? err.message : String(err)}`);
    }
    return this.step();
  }

  end(from: From, time: number): DecodeStep {
    if (this.stopped) return this.step();
    try {
      void time;
      if (this.tls) this.watchTls(from, true);
      else this.flushCopy(from);
    } catch (err) {
      this.stop(`internal error: ${err instanceof Error ? err.message : String(err)}`);
    }
    return this.step();
  }

  emit(from: From, m: FrontMsg | Decoded, extra: Partial<Decoded> = {}): void {
    const d: Decoded = { from, name: m.name, summary: m.summary, fields: m.fields, ...extra };
    this.out.push(d);
  }

  mask(from: From, start: number, end: number): void {
    if (this.opts.redact && end > start) this.masks.push({ from, start, end });
  }

  /** emit the aggregated COPY data one side sent, if a COPY is open on that side */
  flushCopy(from: From, end?: string, reason?: string): void {
    const agg = this.copy[from];
    if (!agg) return;
    delete this.copy[from];
    const direction = from === 'client' ? 'in' : 'out';
    const fields: Record<string, unknown> = { direction, messages: agg.messages, bytes: agg.bytes };
    if (agg.format) fields.format = agg.format;
    if (agg.columns !== undefined) fields.columns = agg.columns;
    if (end) fields.end = end;
    if (reason !== undefined) fields.reason = reason;
    const tail = end === 'CopyFail' ? ` (CopyFail: ${reason ?? ''})` : end ? '' : ' (unfinished)';
    const summary = `COPY ${direction}: ${agg.messages} messages, ${agg.bytes} bytes${tail}`;
    this.out.push({ from, name: 'CopyData', summary, fields });
  }

  /** the connection switched to TLS (or GSS encryption): report once, then stop decoding */
  startTls(via: string): void {
    this.tls = new TlsWatch(via);
    this.client.mode = 'raw';
    this.server.mode = 'raw';
    // look at once: the ClientHello may already be queued (direct TLS); never give up here
    this.watchTls('client', false);
  }

  stop(reason: string | null): void {
    this.stopped = reason === null ? 'opaque' : 'fallback';
    if (reason !== null) this.fallbackReason = reason;
    this.client.q.clear();
    this.server.q.clear();
  }

  private watchTls(from: From, ended: boolean): void {
    const msg = this.tls!.check(this.client.q, from, ended);
    if (!msg) return;
    this.out.push(msg);
    this.stop(null);
  }

  private step(): DecodeStep {
    if (this.out.length === 0 && this.masks.length === 0 && (!this.stopped || this.reported)) {
      return NOTHING;
    }
    const step: DecodeStep = { messages: this.out };
    if (this.masks.length > 0) step.masks = this.masks;
    if (this.stopped && !this.reported) {
      this.reported = true;
      if (this.stopped === 'opaque') step.opaque = true;
      else step.fallback = this.fallbackReason;
    }
    this.out = [];
    this.masks = [];
    return step;
  }

  private drain(f: Framer): void {
    if (f === this.client && f.mode === 'untyped' && f.q.offset === 0 && f.q.at(0) === 0x16) {
      this.startTls('direct'); // PostgreSQL 17+ sslnegotiation=direct: TLS from the first byte
      return;
    }
    for (let ev: FrameEvent | null = f.next(); ev; ev = f.next()) {
      if (ev.kind === 'error') return this.stop(ev.reason);
      if (f === this.client) this.onClient(ev);
      else this.backend.onEvent(ev);
      if (this.stopped || this.tls) return;
    }
    if (f === this.client) this.scanPartial();
  }

  private onClient(ev: FrameEvent): void {
    if (ev.kind === 'head') return this.clientHead(ev.frame);
    if (ev.kind !== 'frame') return;
    const { frame, body, truncated } = ev;
    if (frame.type === 0) return this.clientUntyped(frame, body);
    if (frame.type === F.CopyData) {
      const agg = (this.copy.client ??= { messages: 0, bytes: 0 });
      agg.messages++;
      agg.bytes += frame.len;
      return;
    }
    const msg = decodeFrontend(frame, body, truncated, this.authCode, this.opts);
    if (frame.type === F.CopyDone || frame.type === F.CopyFail) {
      this.copy.client ??= { messages: 0, bytes: 0 };
      return this.flushCopy('client', msg.name, msg.fields.reason as string | undefined);
    }
    this.flushCopy('client');
    const kind = OP_OF[frame.type];
    if (kind) this.track(kind, frame.time, msg);
    for (const [s, e] of msg.masks ?? []) this.mask('client', s, e);
    this.emit('client', msg);
  }

  private clientHead(frame: Frame): void {
    if (frame.type === F.CopyData) frame.keep = 0;
    else if (frame.type === F.Password)
      this.mask('client', frame.bodyStart, frame.bodyStart + frame.len);
    else if (frame.type === 0 && frame.code === CANCEL_REQUEST) {
      this.mask('client', frame.bodyStart + 4, frame.bodyStart + frame.len);
    } else if (frame.type === F.Query || frame.type === F.Parse) {
      this.scan = { start: frame.start, scanned: 0, tail: '', hit: false };
    }
  }

  private clientUntyped(frame: Frame, body: Buffer): void {
    const code = frame.code;
    const msg = decodeUntyped(frame, body, this.opts);
    if (code !== SSL_REQUEST && code !== GSSENC_REQUEST && code !== CANCEL_REQUEST) {
      if (code >>> 16 !== 3)
        return this.stop(`unsupported protocol version 0x${code.toString(16)}`);
      this.client.mode = 'typed';
      this.ops.add('Startup', frame.time);
    } else if (code !== CANCEL_REQUEST) {
      this.server.mode = 'byte';
    }
    for (const [s, e] of msg.masks ?? []) this.mask('client', s, e);
    this.emit('client', msg);
  }

  /** queue an op for its answer; while the server skips to Sync, flag the op instead */
  private track(kind: OpKind, time: number, msg: FrontMsg): void {
    if (kind === 'Sync' || kind === 'Query' || kind === 'FunctionCall') this.skipToSync = false;
    else if (this.skipToSync) {
      msg.fields.skipped = true;
      return;
    }
    this.ops.add(kind, time);
  }

  /** a Query/Parse still arriving that mentions "password": mask the rest of it right away */
  private scanPartial(): void {
    const cur = this.client.current;
    const s = this.scan;
    if (!this.opts.redact || !cur || cur.start !== s.start || s.hit) return;
    const kept = this.client.keptLength;
    if (kept <= s.scanned) return;
    const text = s.tail + this.client.keptFrom(s.scanned).toString('latin1').toLowerCase();
    const i = text.indexOf('password');
    if (i !== -1) {
      s.hit = true;
      this.mask('client', cur.bodyStart + s.scanned - s.tail.length + i, cur.bodyStart + cur.len);
    }
    s.tail = text.slice(-7);
    s.scanned = kept;
  }
}

export type { Op };
