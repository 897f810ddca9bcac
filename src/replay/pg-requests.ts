// The requests of one recorded PostgreSQL connection, as replay resends them: a Query with its
// COPY data, or extended-protocol messages up to Sync, with the line that names each and the
// statements whose secret the capture masked (never sent: Plan.redacted).

import type { Session } from './load.js';
import { chunkAt, chunksIn } from './load.js';
import type { RedactedRequest } from './types.js';
import type { FrontMessage, PgResult } from './pg-wire.js';

export interface Request {
  messages: FrontMessage[];
  text: string;
  time: number;
  recorded?: PgResult[];
}

export interface Requests {
  requests: Request[];
  redacted: RedactedRequest[];
  /** the recorded Terminate, sent at the end as it was */
  terminate?: FrontMessage;
}

export function recordedRequests(s: Session, messages: FrontMessage[]): Requests {
  const out: Requests = { requests: [], redacted: [] };
  // a prepared statement's SQL by its name, so a Bind/Execute cycle is named by its statement
  // (pgbench -M prepared showed `Bind Describe Execute Sync` for every difference)
  const statements = new Map<string, string>();
  let cur: FrontMessage[] = [];
  const push = (): void => {
    if (cur.length === 0) return;
    out.requests.push({
      messages: cur,
      text: describe(cur, statements),
      time: chunkAt(s, 'client', cur[0]!.at)?.time ?? s.start,
    });
    cur = [];
  };
  for (const m of messages) {
    if (m.type === '' || m.type === 'p') continue;
    if (m.type === 'X') {
      out.terminate = m;
      continue;
    }
    if (m.type === 'Q') push();
    if (m.type === 'P') statements.set(cstring(m.raw, 5), sqlOf(m));
    cur.push(m);
    if (m.type === 'S') push();
    if (maskedStatement(s, m)) {
      out.redacted.push({
        conn: s.conn,
        index: out.requests.length + 1,
        request: describe([m], statements).replace(/\*{3,}/g, 'REDACTED'),
        hint: `no --secret fills a PostgreSQL statement: leave connection ${s.conn} out with --skip-redacted or --conn, and run that statement by hand`,
      });
    }
  }
  push();
  return out;
}

/** a statement whose secret the capture masked (ALTER ROLE ... PASSWORD '...') is never resent
 * with the mask in it: it is listed, and replay refuses before connecting */
function maskedStatement(s: Session, m: FrontMessage): boolean {
  if (m.type !== 'Q' && m.type !== 'P') return false;
  const masked = chunksIn(s, 'client', m.at, m.at + m.raw.length).some((c) => c.redacted > 0);
  return masked && m.raw.includes('***');
}

const NAMES: Record<string, string> = {
  P: 'Parse',
  B: 'Bind',
  E: 'Execute',
  D: 'Describe',
  S: 'Sync',
  H: 'Flush',
  C: 'Close',
  F: 'FunctionCall',
  d: 'CopyData',
  c: 'CopyDone',
  f: 'CopyFail',
  Q: 'Query',
};

function describe(ms: FrontMessage[], statements: Map<string, string>): string {
  const q = ms.find((m) => m.type === 'Q' || m.type === 'P');
  if (q) return short(sqlOf(q));
  const bind = ms.find((m) => m.type === 'B');
  if (bind) {
    // Bind: portal name, then the statement's
    const portal = cstring(bind.raw, 5);
    const sql = statements.get(cstring(bind.raw, 5 + Buffer.byteLength(portal) + 1));
    if (sql !== undefined) return short(sql);
  }
  return ms.map((m) => NAMES[m.type] ?? m.type).join(' ');
}

/** the SQL of a Query or Parse message */
function sqlOf(m: FrontMessage): string {
  const body = m.raw.subarray(5);
  const start = m.type === 'P' ? body.indexOf(0) + 1 : 0;
  return body.toString('utf8', start, body.indexOf(0, start)).replace(/\s+/g, ' ').trim();
}

const short = (sql: string): string => (sql.length > 70 ? sql.slice(0, 70) + '…' : sql);

/** the NUL-terminated string at `from` */
function cstring(raw: Buffer, from: number): string {
  const end = raw.indexOf(0, from);
  return raw.toString('utf8', from, end < 0 ? raw.length : end);
}
