// The answer to COM_STMT_PREPARE: PREPARE_OK (statement id, column and parameter counts), then
// the parameter definitions and the column definitions, each list followed by EOF unless
// DEPRECATE_EOF. The column definitions are kept on the statement: MariaDB may leave them out
// of an EXECUTE's answer (cached metadata), and the binary rows cannot be read without them.

import type { Decoded } from '../decoder.js';
import type { RespCtx } from './answers.js';
import type { Stmt } from './commands.js';
import { rememberStmt } from './commands.js';
import { MARIADB_EXTENDED_METADATA, columnOrUnknown } from './columns.js';
import type { Pending, Result } from './exchange.js';
import { CAP } from './handshake.js';
import type { Packet } from './packets.js';
import { Reader } from './reader.js';
import { secretPlaceholders } from './sql-secrets.js';
import { plural } from '../../util/plural.js';

/** reads the definitions that follow a PREPARE_OK, one packet at a time */
export class PrepareDefs {
  private at = 0;

  constructor(
    private readonly stmt: Stmt,
    private readonly colStart: number,
    private readonly result: Result,
    private readonly extended: boolean,
    private readonly redact: boolean,
  ) {}

  def(p: Packet): void {
    const i = this.at++;
    if (i < this.colStart || i >= this.colStart + this.stmt.columns) return;
    const col = columnOrUnknown(p.data, this.extended, this.redact);
    (this.stmt.cols ??= []).push(col);
    (this.result.columns ??= []).push(col.name);
  }
}

/** PREPARE_OK's fixed part; `r` is left at the optional metadata flag (`bad` when cut) */
export function prepareOkHeader(data: Buffer): {
  r: Reader;
  statementId: number;
  columns: number;
  params: number;
  warnings: number;
} {
  const r = new Reader(data);
  r.u8();
  const statementId = r.u32();
  const columns = r.u16();
  const params = r.u16();
  r.u8();
  return { r, statementId, columns, params, warnings: r.u16() };
}

/** the PREPARE_OK packet: its message, how many definition packets follow, and their reader */
export function prepareOk(
  p: Packet,
  head: Pending,
  ctx: RespCtx,
): { msg: Decoded; defs: number; prep?: PrepareDefs } {
  const { r, statementId, columns, params, warnings } = prepareOkHeader(p.data);
  let metadata = true;
  if (ctx.caps & CAP.OPTIONAL_RESULTSET_METADATA && r.left > 0) metadata = r.u8() !== 0;
  const sql = head.sql ?? '';
  const stmt: Stmt = { sql, params, columns };
  const secret = ctx.redact ? secretPlaceholders(sql) : [];
  if (secret.length) stmt.secretParams = secret;
  rememberStmt(ctx, statementId, stmt);
  const summary = `statement ${statementId}: ${plural(params, 'param')}, ${plural(columns, 'column')}`;
  const result: Result = { tag: 'PREPARE_OK', text: summary };
  head.results.push(result);
  const eof = ctx.caps & CAP.DEPRECATE_EOF ? 0 : 1;
  const paramDefs = params > 0 ? params + eof : 0;
  const defs = metadata ? paramDefs + (columns > 0 ? columns + eof : 0) : 0;
  const extended = (ctx.extCaps & MARIADB_EXTENDED_METADATA) !== 0;
  return {
    defs,
    ...(defs > 0 ? { prep: new PrepareDefs(stmt, paramDefs, result, extended, ctx.redact) } : {}),
    msg: {
      from: 'server',
      name: 'COM_STMT_PREPARE_OK',
      summary,
      fields: { statementId, params, columns, warnings, sql },
      latencyMs: Math.max(0, p.time - head.time),
    },
  };
}
