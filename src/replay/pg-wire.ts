// PostgreSQL framing for replay (https://www.postgresql.org/docs/current/protocol-message-formats.html):
// the client stream as raw frontend messages (so that they are resent byte for byte), the
// server stream as typed backend messages, and the per-request result summary we compare.

import { createHash } from 'node:crypto';

export const SSL_REQUEST = 80877103;
export const GSSENC_REQUEST = 80877104;
export const CANCEL_REQUEST = 80877102;

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

/** Splits the client bytes; stops at a cut-off message (the capture ended inside it). */
export function frontMessages(b: Buffer): { messages: FrontMessage[]; rest: number } {
  const messages: FrontMessage[] = [];
  let pos = 0;
  let startup = true;
  while (pos < b.length) {
    if (startup) {
      if (b.length - pos < 8) break;
      const len = b.readInt32BE(pos);
      if (len < 8 || pos + len > b.length) break;
      const code = b.readInt32BE(pos + 4);
      messages.push({ type: '', raw: b.subarray(pos, pos + len), at: pos, code });
      pos += len;
      // after SSLRequest/GSSENCRequest answered 'N' the client sends its StartupMessage
      if (code !== SSL_REQUEST && code !== GSSENC_REQUEST) startup = false;
      continue;
    }
    if (b.length - pos < 5) break;
    const len = b.readInt32BE(pos + 1);
    if (len < 4 || pos + 1 + len > b.length) break;
    messages.push({
      type: String.fromCharCode(b[pos]!),
      raw: b.subarray(pos, pos + 1 + len),
      at: pos,
    });
    pos += 1 + len;
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

export function nextBack(
  b: Buffer,
  pos: number,
): { message: BackMessage; end: number } | undefined {
  if (b.length - pos < 5) return undefined;
  const len = b.readInt32BE(pos + 1);
  if (len < 4 || pos + 1 + len > b.length) return undefined;
  return {
    message: { type: String.fromCharCode(b[pos]!), body: b.subarray(pos + 5, pos + 1 + len) },
    end: pos + 1 + len,
  };
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

export function startupMessage(params: Record<string, string>): Buffer {
  const parts = [Buffer.alloc(8)];
  for (const [k, v] of Object.entries(params)) parts.push(Buffer.from(`${k}\0${v}\0`, 'utf8'));
  parts.push(Buffer.from([0]));
  const out = Buffer.concat(parts);
  out.writeInt32BE(out.length, 0);
  out.writeInt32BE(196608, 4); // protocol 3.0
  return out;
}

export function typed(type: string, body: Buffer): Buffer {
  const out = Buffer.alloc(5 + body.length);
  out.write(type, 0, 'latin1');
  out.writeInt32BE(4 + body.length, 1);
  body.copy(out, 5);
  return out;
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
