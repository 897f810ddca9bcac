// Client commands in the command phase (first payload byte = command). Each parse returns the
// message, what kind of answer to expect, and the payload ranges that hold secrets; or, for a
// packet too short for the fields its command needs, unread (the decoder falls back).

import type { Decoded } from '../decoder.js';
import type { Column } from './columns.js';
import { CAP } from './handshake.js';
import type { Unread } from './reader.js';
import { Reader, text, unread } from './reader.js';
import { redactSql, secretRanges } from './sql-secrets.js';
import { execute, readQueryAttributes } from './params.js';
import { REDACTED, oneLine } from '../summary-text.js';

export const COM = {
  QUIT: 0x01,
  INIT_DB: 0x02,
  QUERY: 0x03,
  FIELD_LIST: 0x04,
  STATISTICS: 0x09,
  PING: 0x0e,
  CHANGE_USER: 0x11,
  BINLOG_DUMP: 0x12,
  STMT_PREPARE: 0x16,
  STMT_EXECUTE: 0x17,
  STMT_SEND_LONG_DATA: 0x18,
  STMT_CLOSE: 0x19,
  STMT_RESET: 0x1a,
  SET_OPTION: 0x1b,
  STMT_FETCH: 0x1c,
  BINLOG_DUMP_GTID: 0x1e,
  STMT_BULK_EXECUTE: 0xfa,
} as const;

/** commands the server never answers */
export const NO_ANSWER: ReadonlySet<number> = new Set([
  COM.QUIT,
  COM.STMT_CLOSE,
  COM.STMT_SEND_LONG_DATA,
]);

/** commands whose first 4 payload bytes after the command byte are a statement id */
export const STMT_ID_COMMANDS: ReadonlySet<number> = new Set([
  COM.STMT_EXECUTE,
  COM.STMT_CLOSE,
  COM.STMT_RESET,
  COM.STMT_SEND_LONG_DATA,
  COM.STMT_FETCH,
]);

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
  /** column definitions from the prepare (or the last execute that sent them) */
  cols?: Column[];
  /** placeholders that stand for a password (`IDENTIFIED BY ?`): their values are masked */
  secretParams?: number[];
}

export interface Ctx {
  caps: number;
  maxValue: number;
  /** result rows whose values an exchange keeps */
  maxRows: number;
  /** server status flags from the last OK/EOF */
  status?: number;
  redact: boolean;
  stmts: Map<number, Stmt>;
  lastStmtId: number | undefined;
}

export interface Command {
  msg: Decoded;
  answer: Answer;
  /** [start, end) payload ranges holding secrets (end may be past the kept data) */
  secrets: [number, number][];
  /** the secret values themselves, which an ERR answering the command may quote */
  echoes?: string[];
  sql?: string;
}

const MAX_STMTS = 10000;

export function parseCommand(
  data: Buffer,
  length: number,
  truncated: boolean,
  ctx: Ctx,
): Command | Unread {
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
        if (r.bad) return unread(r)!;
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
      fields.authData = ctx.redact ? REDACTED : r.rest().toString('hex');
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
    case COM.STMT_SEND_LONG_DATA:
      return statementCommand(cmd, r, length, ctx, fields, command);
    default:
      return command(length > 1 ? `${length - 1} bytes` : '');
  }
}

type MakeCommand = (summary: string, answer?: Answer) => Command;

/** the commands on a prepared statement after PREPARE and EXECUTE: reset, fetch, close, long data */
function statementCommand(
  cmd: number,
  r: Reader,
  length: number,
  ctx: Ctx,
  fields: Record<string, unknown>,
  command: MakeCommand,
): Command | Unread {
  const id = stmtId(r.u32(), ctx);
  if (r.bad) return unread(r)!;
  const stmt = statementOf(id, ctx, fields);
  if (cmd === COM.STMT_CLOSE) {
    ctx.stmts.delete(id);
    return command(`close statement ${id}`, 'none');
  }
  if (cmd === COM.STMT_SEND_LONG_DATA) {
    const param = r.u16();
    if (r.bad) return unread(r)!;
    fields.param = param;
    fields.length = length - 7;
    if (stmt) (stmt.longData ??= new Set()).add(param);
    return command(`statement ${id} param ${param}: ${length - 7} bytes`, 'none');
  }
  if (cmd === COM.STMT_FETCH) {
    const rows = r.u32();
    if (r.bad) return unread(r)!;
    fields.rows = rows;
  }
  if (cmd === COM.STMT_RESET && stmt) stmt.longData = undefined;
  return command(`statement ${id}${stmt ? `: ${oneLine(stmt.sql)}` : ''}`);
}

/** the prepared statement a command names, recorded in its fields (with its SQL when known) */
export function statementOf(
  id: number,
  ctx: Ctx,
  fields: Record<string, unknown>,
): Stmt | undefined {
  const stmt = ctx.stmts.get(id);
  fields.statementId = id;
  if (stmt) fields.sql = stmt.sql;
  return stmt;
}

/** MariaDB's "last prepared statement" id (pipelined prepare + execute) */
export function stmtId(id: number, ctx: Ctx): number {
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
  const echoes = ranges.map(([a, b]) => body.toString('utf8', a, b)).filter((v) => v !== '');
  return {
    msg: { from: 'client', name, summary: oneLine(sql), fields },
    answer,
    secrets,
    ...(echoes.length ? { echoes } : {}),
    sql,
  };
}

/** where the sql starts in a (partial) COM_QUERY payload, or undefined when not known yet */
export function querySqlOffset(data: Buffer, ctx: Ctx): number | undefined {
  if (!(ctx.caps & CAP.QUERY_ATTRIBUTES)) return 1;
  const r = new Reader(data);
  r.pos = 1;
  readQueryAttributes(r, ctx, {});
  return r.bad ? undefined : r.pos;
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
