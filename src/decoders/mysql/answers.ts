// The server's one-packet answers: OK (affected rows, insert id, status, session tracking), EOF,
// and ERR (or MariaDB's progress report, which shares ERR's header with code 0xffff). Each gives
// the message for the frame view and the parts an exchange needs.

import type { ExchangeError } from '../../events.js';
import type { Decoded } from '../decoder.js';
import type { Ctx } from './commands.js';
import { oneLine } from '../summary-text.js';
import { CAP, parseAuthServer } from './handshake.js';
import type { Packet } from './packets.js';
import type { Unread } from './reader.js';
import { Reader, text, unread } from './reader.js';
import { redactSql, secretRanges } from './sql-secrets.js';

export const STATUS_IN_TRANS = 0x0001;
export const STATUS_MORE_RESULTS = 0x0008;
const STATUS_SESSION_STATE_CHANGED = 0x4000;

export interface RespCtx extends Ctx {
  extCaps: number;
}

export interface Parsed {
  status: number;
  affected: number;
  summary: string;
  msg(latencyMs: number): Decoded;
}

/** an EOF packet (0xfe and short: a longer 0xfe is an OK or a row) */
export const isEof = (first: number, length: number): boolean => first === 0xfe && length < 9;

/** OK's counts and status flags; `r` is left at the info that may follow (or `bad`) */
export function okHeader(data: Buffer): {
  r: Reader;
  affectedRows: number;
  insertId: number;
  status: number;
  warnings: number;
} {
  const r = new Reader(data);
  r.u8();
  const affectedRows = r.lenenc();
  const insertId = r.lenenc();
  const status = r.left >= 2 ? r.u16() : 0;
  return { r, affectedRows, insertId, status, warnings: r.left >= 2 ? r.u16() : 0 };
}

/** an OK packet; unread when its counts are cut (a cut info or session state is left out) */
export function okMessage(p: Packet, ctx: RespCtx): Parsed | Unread {
  const { r, affectedRows, insertId, status, warnings } = okHeader(p.data);
  const short = unread(r);
  if (short) return short;
  const fields: Record<string, unknown> = { affectedRows, insertId, status, warnings };
  if (ctx.caps & CAP.SESSION_TRACK) {
    if (r.left > 0) {
      const info = text(r.lenencBytes(), ctx.maxValue).value;
      if (info && !r.bad) fields.info = info;
    }
    if (status & STATUS_SESSION_STATE_CHANGED && r.left > 0) {
      sessionState(r.lenencNested(), fields);
    }
  } else if (r.left > 0) {
    fields.info = text(r.rest(), ctx.maxValue).value;
  }
  const parts = [`OK`];
  if (affectedRows) parts.push(`${affectedRows} row${affectedRows === 1 ? '' : 's'} affected`);
  if (insertId) parts.push(`insert id ${insertId}`);
  if (warnings) parts.push(`${warnings} warning${warnings === 1 ? '' : 's'}`);
  if (typeof fields.info === 'string') parts.push(oneLine(fields.info, 100));
  const summary = parts.join(', ');
  return {
    status,
    affected: affectedRows,
    summary,
    msg: (latencyMs) => ({ from: 'server', name: 'OK', summary, fields, latencyMs }),
  };
}

/** the session state changes; a cut one adds the schema only if read before the cut, and no
 * variables at all */
function sessionState(r: Reader, fields: Record<string, unknown>): void {
  const vars: Record<string, string> = {};
  while (r.left > 0 && !r.bad) {
    const type = r.u8();
    const data = r.lenencNested();
    if (type === 1) {
      const schema = text(data.lenencBytes(), 256).value;
      if (!r.bad) fields.schema = schema;
    } else if (type === 0) {
      const k = text(data.lenencBytes(), 256).value;
      if (k !== '__proto__') vars[k] = text(data.lenencBytes(), 1024).value;
    }
  }
  if (!r.bad && Object.keys(vars).length) fields.systemVariables = vars;
}

export function eofMessage(p: Packet): Parsed {
  const r = new Reader(p.data);
  r.u8();
  const warnings = r.left >= 2 ? r.u16() : 0;
  const status = r.left >= 2 ? r.u16() : 0;
  return {
    status,
    affected: 0,
    summary: 'EOF',
    msg: (latencyMs) => ({
      from: 'server',
      name: 'EOF',
      summary: 'EOF',
      fields: { warnings, status },
      latencyMs,
    }),
  };
}

/** ERR (level 40), or MariaDB's progress report (code 0xffff, name `Progress`); unread when
 * too short for its code */
export function errMessage(p: Packet, ctx: RespCtx, since: number | undefined): Decoded | Unread {
  const r = new Reader(p.data);
  r.u8();
  const code = r.u16();
  const short = unread(r);
  if (short) return short;
  const latency = since !== undefined ? { latencyMs: Math.max(0, p.time - since) } : {};
  if (code === 0xffff) {
    // a cut report keeps what was read: a failed read gives 0
    r.u8();
    const stage = r.u8();
    const maxStage = r.u8();
    const progress = r.u24() / 1000;
    return {
      from: 'server',
      name: 'Progress',
      summary: `stage ${stage}/${maxStage}: ${progress}%`,
      fields: { stage, maxStage, progress },
      ...latency,
    };
  }
  const error = errFields(p.data, ctx.maxValue, ctx.redact);
  const { sqlState, message } = error;
  return {
    from: 'server',
    name: 'ERR',
    summary: `${code}${sqlState ? ` (${sqlState})` : ''} ${oneLine(message)}`,
    fields: { error },
    level: 40,
    ...latency,
  };
}

export interface ErrFields {
  code: number;
  sqlState?: string;
  message: string;
}

/** an ERR packet's number, SQLSTATE (when it carries one) and at most `max` bytes of message */
export function errFields(data: Buffer, max: number, redact: boolean): ErrFields {
  const r = new Reader(data);
  r.u8();
  const code = r.u16();
  let sqlState: string | undefined;
  if (r.left >= 6 && data[3] === 0x23) {
    r.u8();
    sqlState = r.bytes(5).toString('latin1');
  }
  // a syntax error quotes the statement near the error, password literal included
  const rest = r.upTo(max);
  const message = redact ? redactSql(rest, secretRanges(rest)) : rest.toString('utf8');
  return sqlState ? { code, sqlState, message } : { code, message };
}

/** the exchange form of an ERR message: the error number as a string, SQLSTATE, message */
export function exchangeError(m: Decoded): ExchangeError {
  const e = m.fields.error as { code: number; sqlState?: string; message: string };
  const out: ExchangeError = { code: String(e.code), message: e.message };
  if (e.sqlState) out.sqlState = e.sqlState;
  return out;
}

/** status flags and warnings of a result set's terminator: EOF, or an OK with header 0xfe when
 * DEPRECATE_EOF is on; a short terminator still ends the result set */
export function terminator(
  data: Buffer,
  deprecateEof: boolean,
): { status: number; warnings: number } {
  const r = new Reader(data);
  let status = 0;
  let warnings = 0;
  r.u8();
  if (deprecateEof) {
    r.lenenc();
    r.lenenc();
  }
  // a failed read left nothing: the flags stay 0
  if (r.left >= 2) {
    if (deprecateEof) status = r.u16();
    else warnings = r.u16();
  }
  if (r.left >= 2) {
    if (deprecateEof) warnings = r.u16();
    else status = r.u16();
  }
  return { status, warnings };
}

/** `m` marked as answering no command: no exchange carries it (decoders/key-frames.ts) */
export function alone(m: Decoded | Unread): Decoded | Unread {
  return 'why' in m ? m : { ...m, standalone: true };
}

/** A server packet while authenticating (after the login or COM_CHANGE_USER): the OK or ERR that
 * ends it (`done`), or an AuthSwitchRequest / AuthMoreData. */
export function authAnswer(
  p: Packet,
  ctx: RespCtx,
  head: { answer: string; time: number } | undefined,
): { msg?: Decoded; done: boolean } | Unread {
  const first = p.length === 0 ? -1 : p.data[0]!;
  if (first === 0xff) {
    // no exchange is made for the login or COM_CHANGE_USER (exchange.ts): a refusal is alone
    const m = alone(errMessage(p, ctx, head?.time));
    return 'why' in m ? m : { msg: m, done: true };
  }
  if (first === 0x00) {
    const ok = okMessage(p, ctx);
    if ('why' in ok) return ok;
    const m = ok.msg(head ? Math.max(0, p.time - head.time) : 0);
    if (!head) delete m.latencyMs;
    m.summary = head?.answer === 'login' ? 'authenticated' : 'user changed';
    return { msg: m, done: true };
  }
  const m = parseAuthServer(p.data, ctx.redact);
  if (m && 'why' in m) return m;
  if (m && head) m.latencyMs = Math.max(0, p.time - head.time);
  return m ? { msg: m, done: false } : { done: false };
}
