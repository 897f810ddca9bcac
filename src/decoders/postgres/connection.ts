// One PostgreSQL connection: frames both directions, keeps the little state the protocol needs
// (startup phase, last Authentication code, pending frontend ops, COPY and row counters) and
// turns frames into messages. Chatty backend messages are folded (see docs/decoders/postgres.md).
//
//   client bytes ─▶ Framer(untyped→typed) ─▶ client-messages.ts ─┐
//                                                                ├─▶ state here ─▶ messages + masks
//   server bytes ─▶ Framer(byte|typed)    ─▶ server-messages.ts ─┘

import type { Decoded, DecodeStep, Decoder, DecoderOptions, Mask } from '../decoder.js';
import { NOTHING } from '../decoder.js';
import type { From } from '../../events.js';
import { CANCEL_REQUEST, F, GSSENC_REQUEST, SSL_REQUEST } from './codes.js';
import type { Frame, FrameEvent } from './framing.js';
import { Framer } from './framing.js';
import { decodeFrontend } from './client-messages.js';
import { decodeUntyped } from './startup.js';
import type { FrontMsg } from './client-messages.js';
import { ClientSecrets } from './client-secrets.js';
import { Exchanges } from './exchanges.js';
import { opRequest } from './op-request.js';
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

/** A bug here (a TypeError, a RangeError) is not the peer's fault: it stops decoding with a
 * reason that says so, the same words the Observer uses for a decoder that throws, so that tests
 * and the capture tell it from a protocol fallback. */
export const DECODER_ERROR = 'decoder error';
const decoderError = (err: unknown): string =>
  `${DECODER_ERROR}: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`;

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
  readonly xs: Exchanges;
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
  private readonly secrets: ClientSecrets;

  constructor(readonly opts: DecoderOptions) {
    const keep = Math.max(1024, opts.maxValue) + 1024;
    this.client = new Framer('client', 'untyped', keep);
    this.server = new Framer('server', 'typed', keep);
    this.backend = new ServerSide(this);
    this.xs = new Exchanges(opts);
    this.secrets = new ClientSecrets(this.client, (s, e) => this.mask('client', s, e));
  }

  push(from: From, chunk: Buffer, time: number): DecodeStep {
    if (this.stopped) return this.step();
    try {
      (from === 'client' ? this.client : this.server).push(chunk, time);
      if (this.tls) this.watchTls(from, false);
      else this.drain(from === 'client' ? this.client : this.server);
    } catch (err) {
      this.stop(decoderError(err));
    }
    return this.step();
  }

  end(from: From, time: number): DecodeStep {
    if (this.stopped) return this.step();
    try {
      void time;
      if (this.tls) this.watchTls(from, true);
      else {
        this.flushCopy(from);
        if (from === 'server') this.xs.ended(this.ops.drain());
      }
    } catch (err) {
      this.stop(decoderError(err));
    }
    return this.step();
  }

  /** latency and level as arguments, not an object spread in: a spread after other properties
   * is a runtime call, the most expensive line of a pgbench -S answer in a profile */
  emit(
    from: From,
    m: FrontMsg | Decoded,
    latencyMs?: number,
    level?: number,
    standalone?: boolean,
  ): void {
    const d: Decoded = { from, name: m.name, summary: m.summary, fields: m.fields };
    if (latencyMs !== undefined) d.latencyMs = latencyMs;
    if (level !== undefined) d.level = level;
    if (standalone) d.standalone = true;
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
    this.xs.copied(agg.bytes);
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
    if (reason !== null && this.backend.loggingIn) {
      // without the framing, nothing tells a password, a SCRAM proof or salt, or the cancel
      // key from other bytes, and the after-fallback scanner knows only SQL literals: the rest
      // of a login that went astray is masked whole, both ways
      this.mask('client', 0, Infinity);
      this.mask('server', 0, Infinity);
    }
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
    if (
      this.out.length === 0 &&
      this.masks.length === 0 &&
      !this.xs.pending &&
      (!this.stopped || this.reported)
    ) {
      return NOTHING;
    }
    const step: DecodeStep = { messages: this.out };
    if (this.masks.length > 0) step.masks = this.masks;
    const exchanges = this.xs.take();
    if (exchanges) step.exchanges = exchanges;
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
    if (f === this.client) this.secrets.partial();
  }

  private onClient(ev: FrameEvent): void {
    if (ev.kind === 'head') return this.clientHead(ev.frame);
    if (ev.kind !== 'frame') return;
    const { frame, body, truncated } = ev;
    if (this.opts.redact) this.secrets.frame(frame, body);
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
    else if (this.opts.redact) this.secrets.head(frame, this.authCode);
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
    this.ops.add(kind, time, opRequest(this.xs, kind, time, msg));
  }
}

export type { Op };
