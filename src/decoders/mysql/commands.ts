// Client commands in the command phase (first payload byte = command). Each parse returns the
// message, what kind of answer to expect, and the payload ranges that hold secrets.

import type { Decoded } from '../decoder.js';
import { CAP } from './handshake.js';
import { Reader, Short, text } from './reader.js';
import { redactSql, secretRanges } from './sql-secrets.js';
import { readValue } from './values.js';

export const COM = {
  QUIT: 0x01,
  INIT_DB: 0x02,
  QUERY: 0x03,
  FIELD_LIST: 0x04,
  STATISTICS: 0x09,
  CHANGE_USER: 0x11,
  BINLOG_DUMP: 0x12,
  STMT_PREPARE: 0x16,
  STMT_EXECUTE: 0x17,
  STMT_SEND_LONG_DATA: 0x18,
  STMT_CLOSE: 0x19,
  STMT_RESET: 0x1a,
  STMT_FETCH: 0x1c,
  BINLOG_DUMP_GTID: 0x1e,
  STMT_BULK_EXECUTE: 0xfa,
} as const;

const NAMES: Record<number, string> = {
  0x00: 'COM_SLEEP',
  0x01: 'COM_QUIT',
  0x02: 'COM_INIT_DB',
  0x03: 'COM_QUERY',
  0x04: 'COM_FIELD_LIST',
  0x05: 'COM_CREATE_DB',
  0x06: 'COM_DROP_DB',
  0x07: 'COM_REFRESH',
  0x08: 'COM_SHUTDOWN',
  0x09: 'COM_STATISTICS',
  0x0a: 'COM_PROCESS_INFO',
  0x0c: 'COM_PROCESS_KILL',
  0x0d: 'COM_DEBUG',
  0x0e: 'COM_PING',
  0x11: 'COM_CHANGE_USER',
  0x12: 'COM_BINLOG_DUMP',
  0x14: 'COM_REGISTER_SLAVE',
  0x16: 'COM_STMT_PREPARE',
  0x17: 'COM_STMT_EXECUTE',
  0x18: 'COM_STMT_SEND_LONG_DATA',
  0x19: 'COM_STMT_CLOSE',
  0x1a: 'COM_STMT_RESET',
  0x1b: 'COM_SET_OPTION',
  0x1c: 'COM_STMT_FETCH',
  0x1e: 'COM_BINLOG_DUMP_GTID',
  0x1f: 'COM_RESET_CONNECTION',
  0xfa: 'COM_STMT_BULK_EXECUTE',
};

export function commandName(cmd: number): string {
  return NAMES[cmd] ?? `COM_0x${cmd.toString(16).padStart(2, '0')}`;
}

/** how the server answers a command */
export type Answer =
  | 'none' // QUIT, STMT_CLOSE, STMT_SEND_LONG_DATA
  | 'generic' // OK, ERR, a result set, LOCAL INFILE
  | 'prepare'
  | 'fieldList'
  | 'string' // COM_STATISTICS: a bare string
  | 'changeUser'
  | 'binlog';

export interface Stmt {
  sql: string;
  params: number;
  columns: number;
  /** parameter types (type | unsigned<<8) from the last EXECUTE that bound them */
  types?: number[];
  /** params sent with COM_STMT_SEND_LONG_DATA since the last execute */
  longData?: Set<number>;
}

export interface Ctx {
  caps: number;
  maxValue: number;
  redact: boolean;
  stmts: Map<number, Stmt>;
  lastStmtId: number | undefined;
}

export interface Command {
  msg: Decoded;
  answer: Answer;
  /** [start, end) payload ranges holding secrets (end may be past the kept data) */
  secrets: [number, number][];
  sql?: string;
}

const MAX_STMTS = 10000;
const MAX_PARAMS_SHOWN = 1000;

export function parseCommand(data: Buffer, length: number, truncated: boolean, ctx: Ctx): Command {
  const cmd = data[0] ?? -1;
  const name = commandName(cmd);
  const r = new Reader(data);
  r.pos = 1;
  const fields: Record<string, unknown> = {};
  const command = (summary: string, answer: Answer = 'generic'): Command => ({
    msg: { from: 'client', name, summary, fields },
    answer,
    secrets: [],
  });
  switch (cmd) {
    case COM.QUIT:
      return command('quit', 'none');
    case COM.QUERY: {
      if (ctx.caps & CAP.QUERY_ATTRIBUTES) {
        const attrs = readQueryAttributes(r, ctx, fields);
        if (attrs) fields.queryAttributes = attrs;
      }
      return sqlCommand(data, r.pos, truncated, ctx, fields, name, 'generic');
    }
    case COM.STMT_PREPARE:
      return sqlCommand(data, r.pos, truncated, ctx, fields, name, 'prepare');
    case COM.INIT_DB: {
      const schema = text(r.rest(), 256).value;
      fields.schema = schema;
      return command(`use ${schema}`);
    }
    case COM.FIELD_LIST: {
      const table = text(r.cstring(), 256).value;
      fields.table = table;
      return command(`fields of ${table}`, 'fieldList');
    }
    case COM.STATISTICS:
      return command('statistics', 'string');
    case COM.CHANGE_USER: {
      const user = text(r.cstring(), 256).value;
      fields.user = user;
      fields.authData = ctx.redact ? '[redacted]' : r.rest().toString('hex');
      // its bytes are masked from the command byte on when the packet starts (see index.ts)
      return command(`change user to ${user}`, 'changeUser');
    }
    case COM.BINLOG_DUMP:
    case COM.BINLOG_DUMP_GTID:
      return command('binlog stream', 'binlog');
    case COM.STMT_EXECUTE:
      return execute(r, truncated, ctx, fields, name);
    case COM.STMT_BULK_EXECUTE:
    case COM.STMT_RESET:
    case COM.STMT_FETCH:
    case COM.STMT_CLOSE:
    case COM.STMT_SEND_LONG_DATA: {
      const id = stmtId(r.u32(), ctx);
      const stmt = ctx.stmts.get(id);
      fields.statementId = id;
      if (stmt) fields.sql = stmt.sql;
      if (cmd === COM.STMT_CLOSE) {
        ctx.stmts.delete(id);
        return command(`close statement ${id}`, 'none');
      }
      if (cmd === COM.STMT_SEND_LONG_DATA) {
        const param = r.u16();
        fields.param = param;
        fields.length = length - 7;
        if (stmt) (stmt.longData ??= new Set()).add(param);
        return command(`statement ${id} param ${param}: ${length - 7} bytes`, 'none');
      }
      if (cmd === COM.STMT_FETCH) fields.rows = r.u32();
      if (cmd === COM.STMT_RESET && stmt) stmt.longData = undefined;
      return command(`statement ${id}${stmt ? `: ${oneLine(stmt.sql)}` : ''}`);
    }
    default:
      return command(length > 1 ? `${length - 1} bytes` : '');
  }
}

/** MariaDB's "last prepared statement" id (pipelined prepare + execute) */
function stmtId(id: number, ctx: Ctx): number {
  return id === 0xffffffff && ctx.lastStmtId !== undefined ? ctx.lastStmtId : id;
}

function sqlCommand(
  data: Buffer,
  at: number,
  truncated: boolean,
  ctx: Ctx,
  fields: Record<string, unknown>,
  name: string,
  answer: Answer,
): Command {
  let body = data.subarray(at);
  let cut = truncated;
  if (body.length > ctx.maxValue) {
    body = body.subarray(0, ctx.maxValue);
    cut = true;
  }
  const ranges = ctx.redact ? secretRanges(body) : [];
  const sql = redactSql(body, ranges);
  fields.sql = sql;
  if (cut) fields.truncated = true;
  const secrets = ranges.map(([a, b]): [number, number] => [
    at + a,
    b === body.length && cut ? Infinity : at + b,
  ]);
  return {
    msg: { from: 'client', name, summary: oneLine(sql), fields },
    answer,
    secrets,
    sql,
  };
}

export function oneLine(s: string, max = 200): string {
  const flat = s.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

/** where the sql starts in a (partial) COM_QUERY payload, or undefined when not known yet */
export function querySqlOffset(data: Buffer, ctx: Ctx): number | undefined {
  if (!(ctx.caps & CAP.QUERY_ATTRIBUTES)) return 1;
  const r = new Reader(data);
  r.pos = 1;
  try {
    readQueryAttributes(r, ctx, {});
    return r.pos;
  } catch {
    return undefined;
  }
}

function readQueryAttributes(
  r: Reader,
  ctx: Ctx,
  fields: Record<string, unknown>,
): Record<string, unknown> | undefined {
  const count = r.lenenc();
  r.lenenc(); // parameter set count, always 1
  if (count === 0) return undefined;
  const { values, names } = readParams(r, count, true, undefined, ctx, fields);
  const attrs: Record<string, unknown> = {};
  values.forEach((v, i) => {
    const k = names[i] ?? `${i}`;
    if (k !== '__proto__') attrs[k] = v;
  });
  return attrs;
}

function execute(
  r: Reader,
  truncated: boolean,
  ctx: Ctx,
  fields: Record<string, unknown>,
  name: string,
): Command {
  const id = stmtId(r.u32(), ctx);
  const flags = r.u8();
  r.u32(); // iteration count
  const stmt = ctx.stmts.get(id);
  fields.statementId = id;
  if (stmt) fields.sql = stmt.sql;
  let count = stmt?.params;
  const attrsOn = (ctx.caps & CAP.QUERY_ATTRIBUTES) !== 0;
  try {
    if (attrsOn && ((count ?? 0) > 0 || flags & 0x08)) count = r.lenenc();
    if (count !== undefined && count > 0) {
      const { values } = readParams(r, count, attrsOn, stmt, ctx, fields);
      fields.params = values;
    }
  } catch (e) {
    if (!(e instanceof Short)) throw e;
    if (truncated) fields.truncated = true;
    else fields.paramsError = e.message;
  }
  if (stmt) stmt.longData = undefined;
  const summary = stmt ? oneLine(stmt.sql) : `statement ${id}`;
  return {
    msg: { from: 'client', name, summary, fields },
    answer: 'generic',
    secrets: [],
    ...(stmt ? { sql: stmt.sql } : {}),
  };
}

/** null bitmap, new-params-bound flag, types (and names), then the values */
function readParams(
  r: Reader,
  count: number,
  named: boolean,
  stmt: Stmt | undefined,
  ctx: Ctx,
  fields: Record<string, unknown>,
): { values: unknown[]; names: string[] } {
  const bitmap = r.bytes(Math.floor((count + 7) / 8));
  const bound = r.u8();
  let types = stmt?.types;
  const names: string[] = [];
  if (bound) {
    types = [];
    for (let i = 0; i < count; i++) {
      const t = r.u16();
      types.push(t);
      if (named) names.push(text(r.lenencBytes(), 256).value);
    }
    if (stmt) stmt.types = types;
  }
  const values: unknown[] = [];
  const cut = { truncated: false };
  if (!types) return { values, names };
  const shown = Math.min(count, MAX_PARAMS_SHOWN);
  for (let i = 0; i < shown; i++) {
    if (bitmap[i >> 3]! & (1 << (i & 7))) values.push(null);
    else if (stmt?.longData?.has(i)) values.push('[long data]');
    else {
      const t = types[i] ?? 0xfd;
      values.push(readValue(r, t & 0xff, (t & 0x8000) !== 0, ctx.maxValue, cut));
    }
  }
  if (cut.truncated || shown < count) fields.truncated = true;
  return { values, names };
}

export function rememberStmt(ctx: Ctx, id: number, stmt: Stmt): void {
  ctx.stmts.delete(id);
  if (ctx.stmts.size >= MAX_STMTS) {
    const oldest = ctx.stmts.keys().next().value;
    if (oldest !== undefined) ctx.stmts.delete(oldest);
  }
  ctx.stmts.set(id, stmt);
  ctx.lastStmtId = id;
}
