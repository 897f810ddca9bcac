// One result set being read: its column definitions, the row count, and the typed values of the
// first maxRows rows (text rows for COM_QUERY, binary rows for prepared statements).

import type { RespCtx } from './answers.js';
import type { Column } from './columns.js';
import { MARIADB_EXTENDED_METADATA, columnOrUnknown } from './columns.js';
import type { Result } from './exchange.js';
import type { Packet } from './packets.js';
import { plural } from '../../util/plural.js';
import type { Unread } from './reader.js';
import { Reader, unread } from './reader.js';
import { binaryRow, textRow } from './rows.js';

const MAX_COLUMNS = 4096;

/** A result set's first packet: the column count, and whether definitions follow (`optional`:
 * the server may leave them out, OPTIONAL_RESULTSET_METADATA or MariaDB's cached metadata);
 * unread when there is no count. */
export function resultSetHead(
  data: Buffer,
  optional: boolean,
): { columns: number; metadata: boolean } | Unread {
  const r = new Reader(data);
  const columns = r.lenenc();
  const short = unread(r);
  if (short) return short;
  return { columns, metadata: optional && r.left > 0 ? r.u8() !== 0 : true };
}
/** the most bytes of one row value an exchange shows (then `…`) */
const ROW_VALUE_MAX = 1024;

export class ResultSet {
  cols: Column[] = [];
  /** the column count the result set announced */
  columns = 0;
  rows = 0;
  values: unknown[][] = [];
  /** time of its first packet */
  time = 0;

  constructor(private readonly ctx: RespCtx) {}

  reset(time: number): void {
    this.cols = [];
    this.columns = 0;
    this.rows = 0;
    this.values = [];
    this.time = time;
  }

  /** all definitions are known, so values can be read */
  get readable(): boolean {
    return this.cols.length === this.columns;
  }

  /** the next row's values are kept */
  get wantRow(): boolean {
    return this.values.length < this.ctx.maxRows && this.readable;
  }

  get names(): string[] {
    return this.cols.map((c) => c.name);
  }

  column(p: Packet): void {
    if (this.cols.length >= MAX_COLUMNS) return;
    const extended = (this.ctx.extCaps & MARIADB_EXTENDED_METADATA) !== 0;
    this.cols.push(columnOrUnknown(p.data, extended, this.ctx.redact));
  }

  row(p: Packet, binary: boolean): void {
    this.rows++;
    if (!this.wantRow || p.data.length === 0) return;
    const max = Math.min(this.ctx.maxValue, ROW_VALUE_MAX);
    this.values.push(binary ? binaryRow(p.data, this.cols, max) : textRow(p.data, this.cols, max));
  }

  result(): Result {
    const rows = this.rows;
    const result: Result = { tag: 'ResultSet', text: plural(rows, 'row'), rows };
    if (this.readable) {
      result.columns = this.names;
      result.values = this.values;
      if (rows > this.values.length) result.rowsTruncated = true;
    }
    return result;
  }
}
