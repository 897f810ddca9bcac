// Commands and their answers as exchanges (ExchangeDraft). A command waits in the FIFO with the
// results its answer has produced so far; when the answer is complete (the last result of a
// multi-result answer, or the only one) the draft is built here. One exchange per command: a
// COM_QUERY that runs three statements is one exchange whose response lists the three results,
// its columns and values being those of the first result set (see docs/decoders/mysql.md).

import type { ExchangeError, ExchangeRequest, ExchangeResponse, TxnState } from '../../events.js';
import type { Decoded, ExchangeDraft } from '../decoder.js';
import type { Answer, Command } from './commands.js';
import { COM } from './commands.js';
import { oneLine } from '../summary-text.js';
import { STATUS_IN_TRANS } from './answers.js';

/** one result of an answer: an OK, a result set, an error, a prepared statement, ... */
export interface Result {
  tag: string;
  text: string;
  rows?: number;
  columns?: string[];
  values?: unknown[][];
  rowsTruncated?: boolean;
  error?: ExchangeError;
  bytes?: number;
}

export interface Pending {
  answer: Answer | 'login';
  name: string;
  /** time of the request's first byte */
  time: number;
  sql?: string;
  /** the statement id an EXECUTE runs (its columns may be left out of the answer) */
  stmt?: number;
  /** the command held a secret: an ERR answering it is masked, and these values (the secrets)
   * are hidden where its message quotes them */
  echoes?: string[];
  /** absent for the login and COM_CHANGE_USER: no exchange is made for them */
  request?: ExchangeRequest;
  results: Result[];
}

const KINDS: Record<number, string> = {
  [COM.QUERY]: 'query',
  [COM.STMT_PREPARE]: 'prepare',
  [COM.STMT_EXECUTE]: 'execute',
  [COM.STMT_CLOSE]: 'close',
  [COM.STMT_RESET]: 'reset',
  [COM.STMT_FETCH]: 'fetch',
};

/** what waits in the FIFO for a command's answer */
export function pendingOf(cmd: number, c: Command, time: number): Pending {
  const pending: Pending = { answer: c.answer, name: c.msg.name, time, sql: c.sql, results: [] };
  // no exchange for the end of the session, the login change, or long-data pieces (they show
  // in the EXECUTE that uses them)
  if (cmd !== COM.QUIT && cmd !== COM.STMT_SEND_LONG_DATA && c.answer !== 'changeUser') {
    pending.request = requestOf(cmd, c.msg);
  }
  if (typeof c.msg.fields.statementId === 'number') pending.stmt = c.msg.fields.statementId;
  if (c.secrets.length) pending.echoes = c.echoes ?? [];
  return pending;
}

/** the request half, from the decoded command message (already redacted) */
export function requestOf(cmd: number, msg: Decoded): ExchangeRequest {
  const f = msg.fields;
  const req: ExchangeRequest = { text: msg.summary || msg.name, kind: KINDS[cmd] ?? 'command' };
  if (typeof f.sql === 'string') {
    const { sql, comment } = sqlComment(f.sql);
    req.sql = sql;
    // the command's summary is already the one-line sql, unless a comment was split off
    req.text = comment || cmd === COM.STMT_EXECUTE ? oneLine(sql) : msg.summary;
    if (comment) req.comment = comment;
  }
  if (Array.isArray(f.params)) req.params = f.params;
  if (typeof f.statementId === 'number') req.statement = f.statementId;
  if (f.truncated) req.truncated = true;
  if (cmd === COM.STMT_CLOSE || cmd === COM.STMT_RESET) {
    req.text = `${KINDS[cmd]} statement ${String(f.statementId)}${req.sql ? `: ${req.text}` : ''}`;
  } else if (!req.sql && cmd !== COM.QUERY)
    req.text = `${msg.name}${msg.summary ? ` ${msg.summary}` : ''}`;
  return req;
}

const COMMENT =
  /\s*\/\*\s*([A-Za-z_][\w.-]*\s*=\s*'[^']*'(?:\s*,\s*[A-Za-z_][\w.-]*\s*=\s*'[^']*')*)\s*\*\/\s*;?\s*$/;

/** a trailing sqlcommenter comment (`/*route='x',traceparent='...'*\/`) split from the sql */
function sqlComment(sql: string): { sql: string; comment?: Record<string, string> } {
  const m = COMMENT.exec(sql);
  if (!m) return { sql };
  const comment: Record<string, string> = {};
  for (const kv of m[1]!.matchAll(/([A-Za-z_][\w.-]*)\s*=\s*'([^']*)'/g)) {
    if (kv[1] === '__proto__') continue;
    let v = kv[2]!;
    try {
      v = decodeURIComponent(v);
    } catch {
      // keep it as written
    }
    comment[kv[1]!] = v;
  }
  return { sql: sql.slice(0, m.index), comment };
}

/** the draft of a command whose answer is complete (or never came: `end` undefined) */
export function draft(
  p: Pending,
  end: number | undefined,
  status: number | undefined,
): ExchangeDraft | undefined {
  if (!p.request) return undefined;
  const d: ExchangeDraft = { start: p.time, request: p.request };
  const response = responseOf(p.results);
  if (end === undefined || !response) {
    if (p.answer !== 'none') d.incomplete = true;
    if (response) d.response = response;
    return d;
  }
  d.response = response;
  d.latencyMs = Math.max(0, end - p.time);
  if (response.error) d.level = 40;
  else if (status !== undefined) d.txn = txnOf(status);
  return d;
}

export function txnOf(status: number): TxnState {
  return status & STATUS_IN_TRANS ? 'in' : 'idle';
}

function responseOf(results: Result[]): ExchangeResponse | undefined {
  const first = results[0];
  if (!first) return undefined;
  if (results.length === 1) return fromResult(first);
  const set = results.find((r) => r.tag === 'ResultSet');
  const err = results.find((r) => r.error);
  const base = fromResult(set ?? results[results.length - 1]!);
  const out: ExchangeResponse = {
    ...base,
    text: oneLine(`${results.length} results: ${results.map((r) => r.text).join('; ')}`),
    rows: results.reduce((n, r) => n + (r.rows ?? 0), 0),
  };
  if (err?.error) out.error = err.error;
  return out;
}

function fromResult(r: Result): ExchangeResponse {
  const out: ExchangeResponse = { text: r.text, tag: r.tag };
  if (r.rows !== undefined) out.rows = r.rows;
  if (r.columns) out.columns = r.columns;
  if (r.values) out.values = r.values;
  if (r.rowsTruncated) out.rowsTruncated = true;
  if (r.error) out.error = r.error;
  if (r.bytes !== undefined) out.bytes = r.bytes;
  return out;
}
