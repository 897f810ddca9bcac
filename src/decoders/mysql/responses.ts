// Server answers in the command phase, paired with the client's commands through a FIFO. A result
// set becomes ONE 'ResultSet' message when its terminator arrives: column names and a row count,
// never a message per row (rows are skipped by length; only their first byte is looked at).

import type { Decoded } from '../decoder.js';
import type { Answer, Ctx } from './commands.js';
import { oneLine, rememberStmt } from './commands.js';
import { CAP, MARIADB_CAP } from './handshake.js';
import type { Packet } from './packets.js';
import { MAX_FRAME } from './packets.js';
import { Reader, Short, text } from './reader.js';

export const STATUS_MORE_RESULTS = 0x0008;
const STATUS_SESSION_STATE_CHANGED = 0x4000;
const MAX_NAMES = 4096;

export interface Pending {
  answer: Answer | 'login';
  name: string;
  /** time of the request's first byte */
  time: number;
  sql?: string;
}

type State = 'first' | 'cols' | 'colsEof' | 'rows' | 'prepDefs' | 'fieldList' | 'infile';

export interface RespCtx extends Ctx {
  extCaps: number;
}

export class Responses {
  readonly fifo: Pending[] = [];
  private st: State = 'first';
  private left = 0;
  private columns = 0;
  private names: string[] = [];
  private rows = 0;
  private rsTime = 0;
  private infileBytes = 0;
  private infilePackets = 0;

  constructor(private readonly ctx: RespCtx) {}

  /** the client is streaming a LOCAL INFILE file */
  get infile(): boolean {
    return this.st === 'infile';
  }

  /** bytes of a server packet worth keeping, decided from its first byte */
  keep(first: number): number {
    const head = this.fifo[0];
    const skippable = this.st === 'rows' || head?.answer === 'binlog';
    if (skippable && first !== 0xfe && first !== 0xff) return 0;
    return this.ctx.maxValue + 256;
  }

  server(p: Packet): Decoded[] {
    const head = this.fifo[0];
    const first = p.length === 0 ? -1 : p.data[0]!;
    if (!head) return first === 0xff ? [errMessage(p, this.ctx, undefined)] : [];
    switch (this.st) {
      case 'first':
        return this.first(p, head, first);
      case 'infile':
        this.st = 'first';
        return this.first(p, head, first);
      case 'cols':
      case 'fieldList':
        if (first === 0xff) return this.error(p, head);
        if (this.st === 'fieldList' && this.isEof(p, first)) {
          this.done();
          return [this.fieldList(p, head)];
        }
        this.column(p);
        if (this.st === 'cols' && --this.left <= 0) {
          this.st = this.ctx.caps & CAP.DEPRECATE_EOF ? 'rows' : 'colsEof';
        }
        return [];
      case 'colsEof':
        this.st = 'rows';
        if (this.isEof(p, first)) return [];
        return this.server(p);
      case 'rows':
        if (first === 0xff) return this.error(p, head);
        if (first === 0xfe && p.length < (this.ctx.caps & CAP.DEPRECATE_EOF ? MAX_FRAME : 9)) {
          return [this.resultSet(p, head)];
        }
        this.rows++;
        return [];
      case 'prepDefs':
        if (--this.left <= 0) this.done();
        return [];
    }
  }

  /** a client packet while it streams a LOCAL INFILE file; the empty packet ends the file */
  clientInfile(p: Packet): Decoded[] {
    if (p.length > 0) {
      this.infileBytes += p.length;
      this.infilePackets++;
      return [];
    }
    this.st = 'first';
    const bytes = this.infileBytes;
    return [
      {
        from: 'client',
        name: 'LOCAL_INFILE_DATA',
        summary: `${bytes} bytes in ${this.infilePackets} packets`,
        fields: { bytes, packets: this.infilePackets },
      },
    ];
  }

  private done(): void {
    this.fifo.shift();
    this.st = 'first';
  }

  private isEof(p: Packet, first: number): boolean {
    return first === 0xfe && p.length < 9;
  }

  private first(p: Packet, head: Pending, first: number): Decoded[] {
    const latencyMs = Math.max(0, p.time - head.time);
    if (head.answer === 'string' && first !== 0xff) {
      this.done();
      const t = text(p.data, this.ctx.maxValue);
      return [
        {
          from: 'server',
          name: 'Statistics',
          summary: t.value,
          fields: { text: t.value },
          latencyMs,
        },
      ];
    }
    if (first === 0xff) return this.error(p, head);
    if (head.answer === 'binlog') {
      // events (each starting 00) until EOF or ERR
      if (!this.isEof(p, first)) return [];
      this.done();
      return [eofMessage(p).msg(latencyMs)];
    }
    if (first === 0x00 && head.answer === 'prepare' && p.length >= 12)
      return [this.prepareOk(p, head)];
    if (first === 0x00 || (first === 0xfe && p.length < 9)) {
      const m = first === 0x00 ? okMessage(p, this.ctx) : eofMessage(p);
      if (!(m.status & STATUS_MORE_RESULTS) || head.answer !== 'generic') this.done();
      return [m.msg(latencyMs)];
    }
    if (first === 0xfb && head.answer === 'generic') {
      this.st = 'infile';
      this.infileBytes = 0;
      this.infilePackets = 0;
      const filename = text(p.data.subarray(1), 4096).value;
      return [
        {
          from: 'server',
          name: 'LOCAL_INFILE_REQUEST',
          summary: `send file ${filename}`,
          fields: { filename },
          latencyMs,
        },
      ];
    }
    this.names = [];
    this.rows = 0;
    this.rsTime = p.time;
    if (head.answer === 'fieldList') {
      this.st = 'fieldList';
      this.column(p);
      return [];
    }
    const r = new Reader(p.data);
    this.columns = r.lenenc();
    let metadata = true;
    const optional =
      this.ctx.caps & CAP.OPTIONAL_RESULTSET_METADATA ||
      this.ctx.extCaps & MARIADB_CAP.CACHE_METADATA;
    if (optional && r.left > 0) metadata = r.u8() !== 0;
    this.left = this.columns;
    if (metadata && this.columns > 0) this.st = 'cols';
    else this.st = this.ctx.caps & CAP.DEPRECATE_EOF ? 'rows' : 'colsEof';
    return [];
  }

  private column(p: Packet): void {
    if (this.names.length >= MAX_NAMES) return;
    try {
      const r = new Reader(p.data);
      for (let i = 0; i < 4; i++) r.lenencBytes();
      this.names.push(text(r.lenencBytes(), 256).value);
    } catch {
      this.names.push('?');
    }
  }

  private resultSet(p: Packet, head: Pending): Decoded {
    const r = new Reader(p.data);
    r.u8();
    let status = 0;
    let warnings = 0;
    try {
      if (this.ctx.caps & CAP.DEPRECATE_EOF) {
        r.lenenc();
        r.lenenc();
      }
      if (r.left >= 2) {
        if (this.ctx.caps & CAP.DEPRECATE_EOF) status = r.u16();
        else warnings = r.u16();
      }
      if (r.left >= 2) {
        if (this.ctx.caps & CAP.DEPRECATE_EOF) warnings = r.u16();
        else status = r.u16();
      }
    } catch {
      // a short terminator still ends the result set
    }
    const more = (status & STATUS_MORE_RESULTS) !== 0;
    if (more) this.st = 'first';
    else this.done();
    const rows = this.rows;
    const names = this.names;
    const shownNames = names.length > 12 ? `${names.slice(0, 12).join(', ')}, …` : names.join(', ');
    const fields: Record<string, unknown> = { columns: names, rows, status, warnings };
    if (names.length < this.columns) fields.columnCount = this.columns;
    if (more) fields.moreResults = true;
    if (head.sql) fields.sql = head.sql;
    return {
      from: 'server',
      name: 'ResultSet',
      summary: `${rows} row${rows === 1 ? '' : 's'}, ${this.columns} column${this.columns === 1 ? '' : 's'}${shownNames ? `: ${shownNames}` : ''}`,
      fields,
      latencyMs: Math.max(0, this.rsTime - head.time),
    };
  }

  private fieldList(p: Packet, head: Pending): Decoded {
    return {
      from: 'server',
      name: 'FieldList',
      summary: this.names.join(', '),
      fields: { columns: this.names },
      latencyMs: Math.max(0, this.rsTime - head.time),
    };
  }

  private error(p: Packet, head: Pending): Decoded[] {
    const m = errMessage(p, this.ctx, head);
    if (m.name === 'ERR') this.done();
    return [m];
  }

  private prepareOk(p: Packet, head: Pending): Decoded {
    const r = new Reader(p.data);
    r.u8();
    const statementId = r.u32();
    const columns = r.u16();
    const params = r.u16();
    r.u8();
    const warnings = r.u16();
    let metadata = true;
    if (this.ctx.caps & CAP.OPTIONAL_RESULTSET_METADATA && r.left > 0) metadata = r.u8() !== 0;
    const sql = head.sql ?? '';
    rememberStmt(this.ctx, statementId, { sql, params, columns });
    // parameter definitions, then column definitions, each followed by EOF unless DEPRECATE_EOF
    const eof = this.ctx.caps & CAP.DEPRECATE_EOF ? 0 : 1;
    this.left = metadata ? (params > 0 ? params + eof : 0) + (columns > 0 ? columns + eof : 0) : 0;
    if (this.left > 0) this.st = 'prepDefs';
    else this.done();
    return {
      from: 'server',
      name: 'COM_STMT_PREPARE_OK',
      summary: `statement ${statementId}: ${params} param${params === 1 ? '' : 's'}, ${columns} column${columns === 1 ? '' : 's'}`,
      fields: { statementId, params, columns, warnings, sql },
      latencyMs: Math.max(0, p.time - head.time),
    };
  }
}

interface Parsed {
  status: number;
  msg(latencyMs: number): Decoded;
}

export function okMessage(p: Packet, ctx: RespCtx): Parsed {
  const r = new Reader(p.data);
  r.u8();
  const affectedRows = r.lenenc();
  const insertId = r.lenenc();
  const status = r.left >= 2 ? r.u16() : 0;
  const warnings = r.left >= 2 ? r.u16() : 0;
  const fields: Record<string, unknown> = { affectedRows, insertId, status, warnings };
  try {
    if (ctx.caps & CAP.SESSION_TRACK) {
      if (r.left > 0) {
        const info = text(r.lenencBytes(), ctx.maxValue).value;
        if (info) fields.info = info;
      }
      if (status & STATUS_SESSION_STATE_CHANGED && r.left > 0) {
        sessionState(new Reader(r.lenencBytes()), fields);
      }
    } else if (r.left > 0) {
      fields.info = text(r.rest(), ctx.maxValue).value;
    }
  } catch (e) {
    if (!(e instanceof Short)) throw e;
  }
  const parts = [`OK`];
  if (affectedRows) parts.push(`${affectedRows} row${affectedRows === 1 ? '' : 's'} affected`);
  if (insertId) parts.push(`insert id ${insertId}`);
  if (warnings) parts.push(`${warnings} warning${warnings === 1 ? '' : 's'}`);
  if (typeof fields.info === 'string') parts.push(oneLine(fields.info, 100));
  return {
    status,
    msg: (latencyMs) => ({
      from: 'server',
      name: 'OK',
      summary: parts.join(', '),
      fields,
      latencyMs,
    }),
  };
}

function sessionState(r: Reader, fields: Record<string, unknown>): void {
  const vars: Record<string, string> = {};
  while (r.left > 0) {
    const type = r.u8();
    const data = new Reader(r.lenencBytes());
    if (type === 1) fields.schema = text(data.lenencBytes(), 256).value;
    else if (type === 0) {
      const k = text(data.lenencBytes(), 256).value;
      if (k !== '__proto__') vars[k] = text(data.lenencBytes(), 1024).value;
    }
  }
  if (Object.keys(vars).length) fields.systemVariables = vars;
}

export function eofMessage(p: Packet): Parsed {
  const r = new Reader(p.data);
  r.u8();
  const warnings = r.left >= 2 ? r.u16() : 0;
  const status = r.left >= 2 ? r.u16() : 0;
  return {
    status,
    msg: (latencyMs) => ({
      from: 'server',
      name: 'EOF',
      summary: 'EOF',
      fields: { warnings, status },
      latencyMs,
    }),
  };
}

/** ERR (level 40), or MariaDB's progress report (code 0xffff) */
export function errMessage(p: Packet, ctx: RespCtx, head: Pending | undefined): Decoded {
  const r = new Reader(p.data);
  r.u8();
  const code = r.u16();
  const latency = head ? { latencyMs: Math.max(0, p.time - head.time) } : {};
  if (code === 0xffff) {
    let stage = 0;
    let maxStage = 0;
    let progress = 0;
    try {
      r.u8();
      stage = r.u8();
      maxStage = r.u8();
      progress = r.u24() / 1000;
    } catch {
      // keep what was read
    }
    return {
      from: 'server',
      name: 'Progress',
      summary: `stage ${stage}/${maxStage}: ${progress}%`,
      fields: { stage, maxStage, progress },
      ...latency,
    };
  }
  let sqlState: string | undefined;
  if (r.left >= 6 && p.data[3] === 0x23) {
    r.u8();
    sqlState = r.bytes(5).toString('latin1');
  }
  const message = text(r.rest(), ctx.maxValue).value;
  const error: Record<string, unknown> = { code };
  if (sqlState) error.sqlState = sqlState;
  error.message = message;
  return {
    from: 'server',
    name: 'ERR',
    summary: `${code}${sqlState ? ` (${sqlState})` : ''} ${oneLine(message)}`,
    fields: { error },
    level: 40,
    ...latency,
  };
}
