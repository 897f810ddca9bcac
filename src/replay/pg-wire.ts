// PostgreSQL messages for replay, framed by the decoder's own Framer (one framer, one set of
// constants): the client stream as raw frontend messages (so that they are resent byte for
// byte), the server stream as typed backend messages, and the per-request result summary.

import { createHash } from 'node:crypto';

import { GSSENC_REQUEST, MAX_TYPED, SSL_REQUEST } from '../decoders/postgres/codes.js';
import { Framer } from '../decoders/postgres/framing.js';

// one set of protocol constants: the decoder's
export { CANCEL_REQUEST, GSSENC_REQUEST, SSL_REQUEST } from '../decoders/postgres/codes.js';

export interface FrontMessage {
  /** type letter, or '' for the untyped startup-phase messages */
  type: string;
  /** the whole message, header included */
  raw: Buffer;
  /** offset of the message in the client direction */
  at: number;
  /** startup-phase code (StartupMessage version, SSLRequest, ...) */
  code?: number;
}

export interface BackMessage {
  type: string;
  body: Buffer;
}

/** Splits the client bytes with the decoder's framer; stops at a cut-off message (the capture
 * ended inside it) or at bytes the decoder would not frame either. */
export function frontMessages(b: Buffer): { messages: FrontMessage[]; rest: number } {
  const messages: FrontMessage[] = [];
  const f = new Framer('client', 'untyped', MAX_TYPED);
  f.push(b, 0);
  let pos = 0;
  for (let ev = f.next(); ev && ev.kind !== 'error'; ev = f.next()) {
    if (ev.kind !== 'frame') continue;
    const { frame } = ev;
    const end = frame.bodyStart + frame.len;
    const raw = b.subarray(frame.start, end);
    if (frame.type === 0) {
      messages.push({ type: '', raw, at: frame.start, code: frame.code });
      // after SSLRequest/GSSENCRequest answered 'N' the client sends its StartupMessage
      if (frame.code !== SSL_REQUEST && frame.code !== GSSENC_REQUEST) f.mode = 'typed';
    } else messages.push({ type: String.fromCharCode(frame.type), raw, at: frame.start });
    pos = end;
  }
  return { messages, rest: b.length - pos };
}

/** Splits the server bytes. `singleBytes` answers (the 'N'/'S' to SSLRequest) come first. */
export function backMessages(b: Buffer, singleBytes: number): BackMessage[] {
  const out: BackMessage[] = [];
  let pos = 0;
  for (let i = 0; i < singleBytes && pos < b.length; i++) {
    out.push({ type: `ssl:${String.fromCharCode(b[pos]!)}`, body: Buffer.alloc(0) });
    pos++;
  }
  for (;;) {
    const m = nextBack(b, pos);
    if (!m) break;
    out.push(m.message);
    pos = m.end;
  }
  return out;
}

/** One backend message at `pos`, framed by the decoder's framer (same length and type rules);
 * undefined while it is incomplete or when the bytes are not a backend message. */
export function nextBack(
  b: Buffer,
  pos: number,
): { message: BackMessage; end: number } | undefined {
  const f = new Framer('server', 'typed', MAX_TYPED);
  f.push(pos === 0 ? b : b.subarray(pos), 0);
  const head = f.next();
  if (head?.kind !== 'head') return undefined;
  const ev = f.next();
  if (ev?.kind !== 'frame') return undefined;
  const type = String.fromCharCode(ev.frame.type);
  return { message: { type, body: ev.body }, end: pos + ev.frame.bodyStart + ev.frame.len };
}

export function startupParams(raw: Buffer): Record<string, string> {
  const params: Record<string, string> = {};
  let pos = 8;
  while (pos < raw.length - 1) {
    const k = raw.indexOf(0, pos);
    if (k === -1) break;
    const v = raw.indexOf(0, k + 1);
    if (v === -1) break;
    params[raw.toString('utf8', pos, k)] = raw.toString('utf8', k + 1, v);
    pos = v + 1;
  }
  return params;
}

/** ErrorResponse/NoticeResponse fields by their code letter ('C' SQLSTATE, 'M' message) */
export function errorFields(body: Buffer): Record<string, string> {
  const f: Record<string, string> = {};
  let pos = 0;
  while (pos < body.length && body[pos] !== 0) {
    const code = String.fromCharCode(body[pos]!);
    const end = body.indexOf(0, pos + 1);
    if (end === -1) break;
    f[code] = body.toString('utf8', pos + 1, end);
    pos = end + 1;
  }
  return f;
}

function dataRow(body: Buffer): Array<string | null> {
  const n = body.readInt16BE(0);
  const row: Array<string | null> = [];
  let pos = 2;
  for (let i = 0; i < n && pos + 4 <= body.length; i++) {
    const len = body.readInt32BE(pos);
    pos += 4;
    if (len < 0) row.push(null);
    else {
      row.push(body.toString('utf8', pos, pos + len));
      pos += len;
    }
  }
  return row;
}

function columns(body: Buffer): string[] {
  const n = body.readInt16BE(0);
  const out: string[] = [];
  let pos = 2;
  for (let i = 0; i < n; i++) {
    const end = body.indexOf(0, pos);
    if (end === -1) break;
    out.push(body.toString('utf8', pos, end));
    pos = end + 1 + 18; // table oid, column, type oid, size, modifier, format
  }
  return out;
}

/** What one statement produced: the part of the answer we compare. */
export interface PgResult {
  tag?: string;
  columns?: string[];
  rows: number;
  /** sha256 of every row, in order */
  digest: string;
  /** the first rows, to show what changed */
  sample: Array<Array<string | null>>;
  error?: string;
  errorMessage?: string;
}

const SAMPLE_ROWS = 20;

/** Backend messages up to a ReadyForQuery -> results. Notices, parameter changes and
 * notifications are left out: they are not answers to the request. */
export function summarize(messages: BackMessage[]): PgResult[] {
  const out: PgResult[] = [];
  let hash = createHash('sha256');
  let cur: PgResult = { rows: 0, digest: '', sample: [] };
  const finish = (): void => {
    cur.digest = hash.digest('hex').slice(0, 16);
    out.push(cur);
    cur = { rows: 0, digest: '', sample: [] };
    hash = createHash('sha256');
  };
  for (const m of messages) {
    switch (m.type) {
      case 'T':
        cur.columns = columns(m.body);
        break;
      case 'D': {
        cur.rows++;
        hash.update(m.body);
        if (cur.sample.length < SAMPLE_ROWS) cur.sample.push(dataRow(m.body));
        break;
      }
      case 'C':
        cur.tag = m.body.toString('utf8', 0, Math.max(0, m.body.indexOf(0)));
        finish();
        break;
      case 'I':
        cur.tag = '(empty query)';
        finish();
        break;
      case 'E': {
        const f = errorFields(m.body);
        cur.error = f.C ?? '?????';
        cur.errorMessage = f.M;
        finish();
        break;
      }
      case 's': // PortalSuspended: Execute with a row limit
        cur.tag = '(portal suspended)';
        finish();
        break;
    }
  }
  if (cur.rows > 0 || cur.columns) finish();
  return out;
}
