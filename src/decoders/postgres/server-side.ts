// Backend messages: which become messages, which are folded, and how answers meet the ops they
// answer. Folded: ParameterStatus and BackendKeyData during startup (into the first
// ReadyForQuery), Parse/Bind/CloseComplete, NoData, ParameterDescription (they only pop ops),
// DataRow (counted into CommandComplete.rows), CopyIn/Out/BothResponse and CopyData/CopyDone
// (into one CopyData summary), and ReadyForQuery when an answer was already shown for its batch.

import { AUTH_METHODS, AUTH_NAMES, B, TX_STATUS } from './codes.js';
import type { Frame, FrameEvent } from './framing.js';
import type { PgConnection } from './connection.js';
import type { Op } from './pending.js';
import { REDACTED } from './frontend.js';
import {
  errorSummary,
  parseAuth,
  parseCopyResponse,
  parseErrorFields,
  parseNegotiate,
  parseNotification,
  parseParameterStatus,
  parseRowDescription,
  tagRows,
} from './backend.js';
import { Reader, oneLine } from './reader.js';

const MAX_PARAMS = 100;

const AUTH_SUMMARY: Record<number, string> = {
  0: 'authenticated',
  3: 'cleartext password requested',
  5: 'md5 password requested',
  11: 'SASL challenge',
  12: 'SASL final',
};

export class ServerSide {
  private startup = true;
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
    if (t === B.DataRow || t === B.CopyData) frame.keep = 0;
    // BackendKeyData's key, and SASL challenges/signatures (with the masked client proof they
    // would still allow an offline guess): blank everything after the pid / the auth code
    else if (t === B.BackendKeyData || t === B.Authentication) {
      this.c.mask('server', frame.bodyStart + 4, frame.bodyStart + frame.len);
    }
  }

  private latency(frame: Frame, op: Op | undefined): { latencyMs?: number } {
    return op ? { latencyMs: Math.max(0, frame.time - op.time) } : {};
  }

  private frame(frame: Frame, body: Buffer): void {
    const c = this.c;
    const ops = c.ops;
    const max = c.opts.maxValue;
    const r = new Reader(body);
    switch (frame.type) {
      case B.DataRow:
        this.rows++;
        this.rowBytes += frame.len;
        return;
      case B.CopyData: {
        const agg = (c.copy.server ??= { messages: 0, bytes: 0 });
        agg.messages++;
        agg.bytes += frame.len;
        return;
      }
      case B.ParseComplete:
        ops.popIf('Parse');
        return;
      case B.BindComplete:
        ops.popIf('Bind');
        return;
      case B.CloseComplete:
        ops.popIf('Close');
        return;
      case B.NoData:
        ops.popIf('Describe');
        return;
      case B.ParameterDescription:
        return;
      case B.Authentication:
        return this.auth(body);
      case B.BackendKeyData:
        this.pid = r.i32();
        if (!this.startup) {
          c.emit('server', {
            name: 'BackendKeyData',
            summary: `backend pid ${this.pid}`,
            fields: { pid: this.pid, key: REDACTED },
          });
        }
        return;
      case B.ParameterStatus: {
        const [parameter, value] = parseParameterStatus(body);
        if (this.startup) {
          if (Object.keys(this.params).length < MAX_PARAMS)
            this.params[parameter] = value.slice(0, 1024);
          return;
        }
        c.emit('server', {
          name: 'ParameterStatus',
          summary: `${parameter} = ${oneLine(value, 200)}`,
          fields: { parameter, value: value.slice(0, max) },
        });
        return;
      }
      case B.ReadyForQuery:
        return this.ready(frame, String.fromCharCode(r.u8()));
      case B.RowDescription: {
        const columns = parseRowDescription(body);
        this.rows = 0;
        this.rowBytes = 0;
        c.emit(
          'server',
          {
            name: 'RowDescription',
            summary: oneLine(columns.join(', '), 200),
            fields: { columns },
          },
          this.latency(frame, ops.popIf('Describe')),
        );
        return;
      }
      case B.CommandComplete:
      case B.EmptyQueryResponse:
      case B.PortalSuspended: {
        const tag = frame.type === B.CommandComplete ? r.cstring().slice(0, 256) : '';
        const op = ops.popIf('Execute') ?? this.simple();
        const fields: Record<string, unknown> = {};
        if (tag) fields.tag = tag;
        const rows =
          tagRows(tag) ??
          (this.rows > 0 || frame.type === B.PortalSuspended ? this.rows : undefined);
        if (rows !== undefined) fields.rows = rows;
        if (this.rowBytes > 0) fields.rowBytes = this.rowBytes;
        const name =
          frame.type === B.CommandComplete
            ? 'CommandComplete'
            : frame.type === B.EmptyQueryResponse
              ? 'EmptyQueryResponse'
              : 'PortalSuspended';
        const summary =
          tag || (name === 'PortalSuspended' ? `suspended after ${this.rows} rows` : 'empty query');
        this.answer(frame, { name, summary, fields }, op);
        return;
      }
      case B.ErrorResponse:
        return this.error(frame, body);
      case B.NoticeResponse: {
        const notice = parseErrorFields(body, max);
        c.emit('server', {
          name: 'NoticeResponse',
          summary: errorSummary(notice),
          fields: { notice },
        });
        return;
      }
      case B.NotificationResponse: {
        const n = parseNotification(body, max);
        c.emit('server', {
          name: 'NotificationResponse',
          summary: oneLine(`${n.channel}: ${n.payload}`),
          fields: n,
        });
        return;
      }
      case B.CopyInResponse:
      case B.CopyOutResponse:
      case B.CopyBothResponse: {
        const info = parseCopyResponse(body);
        const side = frame.type === B.CopyInResponse ? 'client' : 'server';
        c.copy[side] = { messages: 0, bytes: 0, ...info };
        return;
      }
      case B.CopyDone:
        c.copy.server ??= { messages: 0, bytes: 0 };
        return c.flushCopy('server', 'CopyDone');
      case B.FunctionCallResponse: {
        const len = r.i32();
        this.answer(
          frame,
          {
            name: 'FunctionCallResponse',
            summary: len < 0 ? 'NULL' : `${len} bytes`,
            fields: { length: len },
          },
          this.simple(),
        );
        return;
      }
      case B.NegotiateProtocolVersion: {
        const v = parseNegotiate(body);
        c.emit('server', {
          name: 'NegotiateProtocolVersion',
          summary:
            `server speaks up to 3.${v.minor}` +
            (v.unrecognized.length ? `, ignored ${v.unrecognized.join(', ')}` : ''),
          fields: { minor: v.minor, unrecognized: v.unrecognized },
        });
        return;
      }
    }
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
  ): void {
    this.c.flushCopy('server');
    this.c.emit('server', m, { ...this.latency(frame, op), ...(level ? { level } : {}) });
    this.answered = true;
    this.rows = 0;
    this.rowBytes = 0;
  }

  private auth(body: Buffer): void {
    const c = this.c;
    const a = parseAuth(body);
    c.authCode = a.code;
    const fields: Record<string, unknown> = { method: AUTH_METHODS[a.code] ?? String(a.code) };
    if (a.mechanisms) fields.mechanisms = a.mechanisms;
    if (!c.opts.redact && (a.code === 11 || a.code === 12)) fields.data = body.toString('utf8', 4);
    const name = AUTH_NAMES[a.code] ?? 'Authentication';
    const summary = a.mechanisms
      ? `SASL ${a.mechanisms.join(', ')}`
      : (AUTH_SUMMARY[a.code] ?? name);
    c.emit('server', { name, summary, fields });
  }

  private error(frame: Frame, body: Buffer): void {
    const c = this.c;
    const error = parseErrorFields(body, c.opts.maxValue);
    const fields: Record<string, unknown> = { error };
    let op = this.simple();
    const head = c.ops.peek();
    if (!op && head?.kind === 'Sync')
      op = head; // failed while processing Sync (e.g. COMMIT)
    else if (!op && head) {
      // extended protocol: the head op failed; the server skips the rest up to the next Sync
      op = c.ops.shift();
      fields.failed = head.kind;
      const { skipped, reachedSync } = c.ops.skipToSync();
      if (skipped.length > 0) fields.skipped = skipped;
      if (!reachedSync) c.skipToSync = true;
    }
    if (this.rows > 0) fields.rows = this.rows;
    this.answer(frame, { name: 'ErrorResponse', summary: errorSummary(error), fields }, op, 40);
  }

  private ready(frame: Frame, status: string): void {
    const c = this.c;
    const op = c.ops.popThroughSync();
    c.flushCopy('server');
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
