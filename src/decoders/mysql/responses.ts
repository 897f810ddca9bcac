// Server answers in the command phase, paired with the client's commands through a FIFO. A result
// set becomes ONE 'ResultSet' frame message when its terminator arrives (column names and a row
// count), and the command's exchange keeps the values of its first maxRows rows, read by column
// type; later rows are skipped by length (only their first byte is looked at).

import type { Decoded, ExchangeDraft } from '../decoder.js';
import { oneLine } from '../summary-text.js';
import type { RespCtx } from './answers.js';
import {
  STATUS_MORE_RESULTS,
  alone,
  eofMessage,
  errMessage,
  exchangeError,
  isEof,
  okMessage,
  terminator,
} from './answers.js';
import type { PrepareDefs } from './prepare.js';
import { prepareOk } from './prepare.js';
import { plural } from '../../util/plural.js';
import type { Pending, Result } from './exchange.js';
import { draft } from './exchange.js';
import { CAP, MARIADB_CAP } from './handshake.js';
import type { Packet } from './packets.js';
import { MAX_FRAME } from './packets.js';
import type { Unread } from './reader.js';
import { text } from './reader.js';
import { ResultSet, resultSetHead } from './result-set.js';
import { redactEchoes } from './sql-secrets.js';

type State = 'first' | 'cols' | 'colsEof' | 'rows' | 'prepDefs' | 'fieldList' | 'infile';

export class Responses {
  readonly fifo: Pending[] = [];
  /** exchanges completed since the decoder last took them */
  exchanges: ExchangeDraft[] = [];
  private st: State = 'first';
  private left = 0;
  private readonly rs: ResultSet;
  private infileBytes = 0;
  private infilePackets = 0;
  private prep: PrepareDefs | undefined;

  constructor(private readonly ctx: RespCtx) {
    this.rs = new ResultSet(ctx);
  }

  /** reading the rows of a result set */
  get inRows(): boolean {
    return this.st === 'rows';
  }

  /** the client is streaming a LOCAL INFILE file */
  get infile(): boolean {
    return this.st === 'infile';
  }

  /** bytes of a server packet worth keeping, decided from its first byte */
  keep(first: number): number {
    if (first !== 0xfe && first !== 0xff) {
      if (this.fifo[0]?.answer === 'binlog') return 0;
      if (this.st === 'rows' && !this.rs.wantRow) return 0;
    }
    return this.ctx.maxValue + 256;
  }

  /** the messages of one server packet, or unread: one the answer needs is too short */
  server(p: Packet, now: number): Decoded[] | Unread {
    const head = this.fifo[0];
    const first = p.length === 0 ? -1 : p.data[0]!;
    // an error nothing asked for (the server ending the connection) answers no command
    if (!head) return first === 0xff ? listed(alone(errMessage(p, this.ctx, undefined))) : [];
    switch (this.st) {
      case 'first':
        return this.first(p, head, first, now);
      case 'infile':
        this.st = 'first';
        return this.first(p, head, first, now);
      case 'cols':
      case 'fieldList':
        if (first === 0xff) return this.error(p, head, now);
        if (this.st === 'fieldList' && this.isEof(p, first)) {
          const names = this.rs.names;
          head.results.push({ tag: 'FieldList', text: names.join(', '), columns: names });
          this.done(now);
          return [this.fieldList(head, names)];
        }
        this.rs.column(p);
        if (this.st === 'cols' && --this.left <= 0) {
          this.st = this.ctx.caps & CAP.DEPRECATE_EOF ? 'rows' : 'colsEof';
          const stmt = head.stmt !== undefined ? this.ctx.stmts.get(head.stmt) : undefined;
          if (stmt && this.rs.readable) stmt.cols = this.rs.cols;
        }
        return [];
      case 'colsEof':
        this.st = 'rows';
        if (this.isEof(p, first)) return [];
        return this.server(p, now);
      case 'rows':
        if (first === 0xff) return this.error(p, head, now);
        if (first === 0xfe && p.length < (this.ctx.caps & CAP.DEPRECATE_EOF ? MAX_FRAME : 9)) {
          return [this.resultSet(p, head, now)];
        }
        this.rs.row(p, head.name === 'COM_STMT_EXECUTE' || head.name === 'COM_STMT_FETCH');
        return [];
      case 'prepDefs':
        this.prep?.def(p);
        if (--this.left <= 0) {
          this.prep = undefined;
          this.done(now);
        }
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
    const head = this.fifo[0];
    if (head) head.results.push({ tag: 'LOCAL_INFILE', text: `sent ${bytes} bytes`, bytes });
    return [
      {
        from: 'client',
        name: 'LOCAL_INFILE_DATA',
        summary: `${bytes} bytes in ${this.infilePackets} packets`,
        fields: { bytes, packets: this.infilePackets },
      },
    ];
  }

  /** the connection ended: what is still waiting becomes an incomplete exchange */
  flush(): void {
    if (this.st === 'rows' && this.fifo[0]) this.fifo[0].results.push(this.rs.result());
    for (const p of this.fifo.splice(0)) {
      const d = draft(p, undefined, undefined);
      if (d) this.exchanges.push(d);
    }
    this.st = 'first';
  }

  private done(now: number, status?: number): void {
    const head = this.fifo.shift();
    this.st = 'first';
    if (status !== undefined) this.ctx.status = status;
    const d = head && draft(head, now, status);
    if (d) this.exchanges.push(d);
  }

  private isEof(p: Packet, first: number): boolean {
    return isEof(first, p.length);
  }

  private first(p: Packet, head: Pending, first: number, now: number): Decoded[] | Unread {
    const latencyMs = Math.max(0, p.time - head.time);
    if (head.answer === 'string' && first !== 0xff) {
      const t = text(p.data, this.ctx.maxValue);
      head.results.push({ tag: 'Statistics', text: t.value });
      this.done(now);
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
    if (first === 0xff) return this.error(p, head, now);
    if (head.answer === 'binlog') {
      // events (each starting 00) until EOF or ERR
      if (!this.isEof(p, first)) return [];
      const m = eofMessage(p);
      head.results.push({ tag: 'EOF', text: 'EOF' });
      this.done(now, m.status);
      return [m.msg(latencyMs)];
    }
    if (first === 0x00 && head.answer === 'prepare' && p.length >= 12) {
      return [this.prepareOk(p, head, now)];
    }
    if (first === 0x00 || (first === 0xfe && p.length < 9)) {
      const m = first === 0x00 ? okMessage(p, this.ctx) : eofMessage(p);
      if ('why' in m) return m;
      const result: Result = { tag: first === 0x00 ? 'OK' : 'EOF', text: m.summary };
      if (first === 0x00) result.rows = m.affected;
      head.results.push(result);
      if (!(m.status & STATUS_MORE_RESULTS) || head.answer !== 'generic') this.done(now, m.status);
      else this.ctx.status = m.status;
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
    this.rs.reset(p.time);
    if (head.answer === 'fieldList') {
      this.st = 'fieldList';
      this.rs.column(p);
      return [];
    }
    const optional =
      (this.ctx.caps & CAP.OPTIONAL_RESULTSET_METADATA) !== 0 ||
      (this.ctx.extCaps & MARIADB_CAP.CACHE_METADATA) !== 0;
    const h = resultSetHead(p.data, optional);
    if ('why' in h) return h;
    const { columns, metadata } = h;
    this.rs.columns = columns;
    this.left = this.rs.columns;
    if (metadata && this.rs.columns > 0) this.st = 'cols';
    else {
      // no definitions sent: an EXECUTE's columns are those its statement had before
      const stmt = head.stmt !== undefined ? this.ctx.stmts.get(head.stmt) : undefined;
      if (stmt?.cols?.length === this.rs.columns) this.rs.cols = stmt.cols;
      this.st = this.ctx.caps & CAP.DEPRECATE_EOF ? 'rows' : 'colsEof';
    }
    return [];
  }

  private resultSet(p: Packet, head: Pending, now: number): Decoded {
    const { status, warnings } = terminator(p.data, (this.ctx.caps & CAP.DEPRECATE_EOF) !== 0);
    head.results.push(this.rs.result());
    const more = (status & STATUS_MORE_RESULTS) !== 0;
    const rows = this.rs.rows;
    const names = this.rs.names;
    if (more) {
      this.st = 'first';
      this.ctx.status = status;
    } else this.done(now, status);
    const shownNames = names.length > 12 ? `${names.slice(0, 12).join(', ')}, …` : names.join(', ');
    const fields: Record<string, unknown> = { columns: names, rows, status, warnings };
    if (names.length < this.rs.columns) fields.columnCount = this.rs.columns;
    if (more) fields.moreResults = true;
    if (head.sql) fields.sql = head.sql;
    return {
      from: 'server',
      name: 'ResultSet',
      summary: `${plural(rows, 'row')}, ${plural(this.rs.columns, 'column')}${shownNames ? `: ${shownNames}` : ''}`,
      fields,
      latencyMs: Math.max(0, this.rs.time - head.time),
    };
  }

  private fieldList(head: Pending, names: string[]): Decoded {
    return {
      from: 'server',
      name: 'FieldList',
      summary: names.join(', '),
      fields: { columns: names },
      latencyMs: Math.max(0, this.rs.time - head.time),
    };
  }

  private error(p: Packet, head: Pending, now: number): Decoded[] | Unread {
    const m = errMessage(p, this.ctx, head.time);
    if ('why' in m) return m;
    if (m.name !== 'ERR') return [m];
    if (head.echoes && this.ctx.redact) hideEchoes(m, head.echoes);
    if (this.st === 'rows') head.results.push(this.rs.result());
    const error = exchangeError(m);
    const state = error.sqlState ? ` (${error.sqlState})` : '';
    head.results.push({
      tag: 'ERR',
      text: `ERROR ${error.code}${state}: ${oneLine(error.message, 160)}`,
      error,
    });
    this.done(now);
    return [m];
  }

  private prepareOk(p: Packet, head: Pending, now: number): Decoded {
    const { msg, defs, prep } = prepareOk(p, head, this.ctx);
    this.left = defs;
    this.prep = prep;
    if (this.left > 0) this.st = 'prepDefs';
    else this.done(now);
    return msg;
  }
}

/** an ERR answering a command that held a secret: the message without its echoes */
function hideEchoes(m: Decoded, echoes: string[]): void {
  const e = m.fields.error as { code: number; sqlState?: string; message: string };
  const message = redactEchoes(e.message, echoes);
  if (message === e.message) return;
  m.fields.error = { ...e, message };
  m.summary = `${e.code}${e.sqlState ? ` (${e.sqlState})` : ''} ${oneLine(message)}`;
}

/** one message as a list, or why it could not be read */
function listed(m: Decoded | Unread): Decoded[] | Unread {
  return 'why' in m ? m : [m];
}
