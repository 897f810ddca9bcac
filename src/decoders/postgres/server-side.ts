// Backend messages: which become messages, which are folded, and how answers meet the ops they
// answer. Folded: ParameterStatus and BackendKeyData during startup (into the first
// ReadyForQuery), Parse/Bind/CloseComplete, NoData, ParameterDescription (they only pop ops),
// DataRow (counted into CommandComplete.rows), CopyIn/Out/BothResponse and CopyData/CopyDone
// (into one CopyData summary), and ReadyForQuery when an answer was already shown for its batch.

import { B, TX_STATUS } from './codes.js';
import type { Frame, FrameEvent } from './framing.js';
import type { PgConnection } from './connection.js';
import type { Op } from './pending.js';
import {
  authMessage,
  errorSummary,
  infoMessage,
  parseCopyResponse,
  parseErrorFields,
  parseFields,
  parseParamTypes,
  parseParameterStatus,
  tagRows,
} from './server-messages.js';
import { Reader } from './reader.js';
import { REDACTED, oneLine } from '../summary-text.js';

const MAX_PARAMS = 100;

/** answers that only pop the op they complete */
const POPS: Partial<Record<number, 'Parse' | 'Bind' | 'Close' | 'Describe'>> = {
  [B.ParseComplete]: 'Parse',
  [B.BindComplete]: 'Bind',
  [B.CloseComplete]: 'Close',
  [B.NoData]: 'Describe',
};

const COMPLETE_NAMES: Partial<Record<number, string>> = {
  [B.CommandComplete]: 'CommandComplete',
  [B.EmptyQueryResponse]: 'EmptyQueryResponse',
  [B.PortalSuspended]: 'PortalSuspended',
};

export class ServerSide {
  private startup = true;

  /** before the first ReadyForQuery: the login (passwords, SCRAM, the cancel key) is under way */
  get loggingIn(): boolean {
    return this.startup;
  }
  private params: Record<string, string> = {};
  private pid: number | undefined;
  private answered = false;
  private rows = 0;
  private rowBytes = 0;

  constructor(private readonly c: PgConnection) {}

  onEvent(ev: FrameEvent): void {
    if (ev.kind === 'byte') return this.sslAnswer(ev.byte);
    if (ev.kind === 'head') return this.head(ev.frame);
    if (ev.kind === 'frame') this.frame(ev.frame, ev.body);
  }

  private sslAnswer(byte: number): void {
    const c = this.c;
    const answer = String.fromCharCode(byte);
    if (answer === 'S') return c.startTls('SSLRequest');
    if (answer === 'G') return c.startTls('GSSENCRequest');
    c.emit('server', {
      name: 'SSLResponse',
      summary: 'N: encryption declined, plain text follows',
      fields: { answer },
    });
  }

  private head(frame: Frame): void {
    const t = frame.type;
    // rows are read only while their exchange still keeps values (--max-rows)
    if (t === B.DataRow) {
      if (!this.c.xs.wantsRow(this.c.ops.peek())) frame.keep = 0;
    } else if (t === B.CopyData) frame.keep = 0;
    // BackendKeyData's key, and SASL challenges/signatures (with the masked client proof they
    // would still allow an offline guess): blank everything after the pid / the auth code
    else if (t === B.BackendKeyData || t === B.Authentication) {
      this.c.mask('server', frame.bodyStart + 4, frame.bodyStart + frame.len);
    }
  }

  private latency(frame: Frame, op: Op | undefined): number | undefined {
    return op ? Math.max(0, frame.time - op.time) : undefined;
  }

  private frame(frame: Frame, body: Buffer): void {
    const c = this.c;
    const ops = c.ops;
    const pops = POPS[frame.type];
    if (pops) {
      ops.popIf(pops);
      return;
    }
    switch (frame.type) {
      case B.DataRow:
        this.rows++;
        this.rowBytes += frame.len;
        c.xs.row(ops.peek(), body);
        return;
      case B.CopyData: {
        const agg = (c.copy.server ??= { messages: 0, bytes: 0 });
        agg.messages++;
        agg.bytes += frame.len;
        return;
      }
      case B.ParameterDescription:
        return c.xs.paramTypes(parseParamTypes(body), ops.peek());
      case B.Authentication:
        return this.auth(body);
      case B.BackendKeyData:
        return this.backendKey(body);
      case B.ParameterStatus:
        return this.parameterStatus(body);
      case B.ReadyForQuery:
        return this.ready(frame, String.fromCharCode(new Reader(body).u8()));
      case B.RowDescription:
        return this.rowDescription(frame, body);
      case B.CommandComplete:
      case B.EmptyQueryResponse:
      case B.PortalSuspended:
        return this.complete(frame, body);
      case B.ErrorResponse:
        return this.error(frame, body);
      case B.NoticeResponse:
      case B.NotificationResponse:
      case B.NegotiateProtocolVersion:
        return c.emit('server', infoMessage(frame.type, body, c.opts.maxValue));
      case B.CopyInResponse:
      case B.CopyOutResponse:
      case B.CopyBothResponse: {
        const side = frame.type === B.CopyInResponse ? 'client' : 'server';
        c.copy[side] = { messages: 0, bytes: 0, ...parseCopyResponse(body) };
        c.xs.copyStart(ops.peek());
        return;
      }
      case B.CopyDone:
        c.copy.server ??= { messages: 0, bytes: 0 };
        return c.flushCopy('server', 'CopyDone');
      case B.FunctionCallResponse:
        return this.functionResult(frame, body);
    }
  }

  /** the pid is kept for the first ReadyForQuery's summary; the key is never shown */
  private backendKey(body: Buffer): void {
    this.pid = new Reader(body).i32();
    if (this.startup) return;
    this.c.emit('server', {
      name: 'BackendKeyData',
      summary: `backend pid ${this.pid}`,
      fields: { pid: this.pid, key: REDACTED },
    });
  }

  /** folded into the first ReadyForQuery during startup, a message of its own later */
  private parameterStatus(body: Buffer): void {
    const [parameter, value] = parseParameterStatus(body);
    if (this.startup) {
      if (Object.keys(this.params).length < MAX_PARAMS)
        this.params[parameter] = value.slice(0, 1024);
      return;
    }
    this.c.emit('server', {
      name: 'ParameterStatus',
      summary: `${parameter} = ${oneLine(value, 200)}`,
      fields: { parameter, value: value.slice(0, this.c.opts.maxValue) },
    });
  }

  private rowDescription(frame: Frame, body: Buffer): void {
    const c = this.c;
    const fields = parseFields(body);
    const columns = fields.map((f) => f.name);
    this.rows = 0;
    this.rowBytes = 0;
    const describe = c.ops.popIf('Describe');
    c.xs.fields(fields, describe, c.ops.peek());
    const summary = oneLine(columns.join(', '), 200);
    c.emit(
      'server',
      { name: 'RowDescription', summary, fields: { columns } },
      this.latency(frame, describe),
    );
  }

  /** CommandComplete, EmptyQueryResponse, PortalSuspended: the rows counted since the last
   * RowDescription go with it */
  private complete(frame: Frame, body: Buffer): void {
    const tag = frame.type === B.CommandComplete ? new Reader(body).cstring().slice(0, 256) : '';
    const op = this.c.ops.popIf('Execute') ?? this.simple();
    const fields: Record<string, unknown> = {};
    if (tag) fields.tag = tag;
    const rows =
      tagRows(tag) ?? (this.rows > 0 || frame.type === B.PortalSuspended ? this.rows : undefined);
    if (rows !== undefined) fields.rows = rows;
    if (this.rowBytes > 0) fields.rowBytes = this.rowBytes;
    const name = COMPLETE_NAMES[frame.type]!;
    const summary =
      tag || (name === 'PortalSuspended' ? `suspended after ${this.rows} rows` : 'empty query');
    this.c.xs.complete(op, summary, tag || undefined, tagRows(tag), frame.time);
    this.answer(frame, { name, summary, fields }, op);
  }

  private functionResult(frame: Frame, body: Buffer): void {
    const len = new Reader(body).i32();
    const summary = len < 0 ? 'NULL' : `${len} bytes`;
    const op = this.simple();
    this.c.xs.complete(op, summary, undefined, undefined, frame.time);
    this.answer(frame, { name: 'FunctionCallResponse', summary, fields: { length: len } }, op);
  }

  /** the simple-protocol op an answer belongs to (Query, FunctionCall or the startup) */
  private simple(): Op | undefined {
    const head = this.c.ops.peek();
    return head &&
      (head.kind === 'Query' || head.kind === 'FunctionCall' || head.kind === 'Startup')
      ? head
      : undefined;
  }

  private answer(
    frame: Frame,
    m: { name: string; summary: string; fields: Record<string, unknown> },
    op: Op | undefined,
    level?: number,
    standalone?: boolean,
  ): void {
    this.c.flushCopy('server');
    this.c.emit('server', m, this.latency(frame, op), level || undefined, standalone);
    this.answered = true;
    this.rows = 0;
    this.rowBytes = 0;
  }

  private auth(body: Buffer): void {
    const { code, message } = authMessage(body, this.c.opts.redact);
    this.c.authCode = code;
    this.c.emit('server', message);
  }

  private error(frame: Frame, body: Buffer): void {
    const c = this.c;
    const error = parseErrorFields(body, c.opts.maxValue);
    const fields: Record<string, unknown> = { error };
    let op = this.simple();
    const head = c.ops.peek();
    let skippedOps: Op[] = [];
    if (!op && head?.kind === 'Sync')
      op = head; // failed while processing Sync (e.g. COMMIT)
    else if (!op && head) {
      // extended protocol: the head op failed; the server skips the rest up to the next Sync
      op = c.ops.shift();
      fields.failed = head.kind;
      const { skipped, reachedSync } = c.ops.skipToSync();
      skippedOps = skipped;
      if (skipped.length > 0) fields.skipped = skipped.map((o) => o.kind);
      if (!reachedSync) c.skipToSync = true;
    }
    c.xs.error(error, op, skippedOps, frame.time);
    if (this.rows > 0) fields.rows = this.rows;
    // during startup (a refused login) or with nothing pending, no exchange carries the error
    const standalone = !op || op.kind === 'Startup';
    this.answer(
      frame,
      { name: 'ErrorResponse', summary: errorSummary(error), fields },
      op,
      40,
      standalone,
    );
  }

  private ready(frame: Frame, status: string): void {
    const c = this.c;
    const op = c.ops.popThroughSync();
    c.flushCopy('server');
    c.xs.ready(op, status, frame.time);
    if (this.startup) {
      this.startup = false;
      const version = this.params.server_version;
      const fields: Record<string, unknown> = { status, parameters: this.params };
      if (this.pid !== undefined) fields.pid = this.pid;
      const summary = [
        'ready',
        version && `server ${version}`,
        this.pid !== undefined && `pid ${this.pid}`,
      ]
        .filter(Boolean)
        .join(', ');
      c.emit('server', { name: 'ReadyForQuery', summary, fields }, this.latency(frame, op));
    } else if (!this.answered) {
      c.emit(
        'server',
        { name: 'ReadyForQuery', summary: TX_STATUS[status] ?? status, fields: { status } },
        this.latency(frame, op),
      );
    }
    this.answered = false;
    this.rows = 0;
    this.rowBytes = 0;
  }
}
