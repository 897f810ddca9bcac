// The binary parameters of COM_STMT_EXECUTE (and MySQL 8 query attributes, which use the same
// layout): the NULL bitmap, the new-params-bound flag with the types (and names), then each
// value by its type. Types bound by an earlier EXECUTE are remembered on the statement. Cut
// parameters are left out whole (the EXECUTE says so), never shown in part.

import type { Command, Ctx, Stmt } from './commands.js';
import { statementOf, stmtId } from './commands.js';
import { REDACTED, oneLine } from '../summary-text.js';
import { CAP } from './handshake.js';
import type { Reader, Unread } from './reader.js';
import { text, unread } from './reader.js';
import { readValue } from './values.js';

const MAX_PARAMS_SHOWN = 1000;

/** where an EXECUTE's parameter values start: after the id, flags and iteration count */
export const EXECUTE_PARAMS_AT = 10;

/** MySQL 8 query attributes by name; cut ones leave `r.bad` */
export function readQueryAttributes(
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

export function execute(
  r: Reader,
  truncated: boolean,
  ctx: Ctx,
  fields: Record<string, unknown>,
  name: string,
): Command | Unread {
  const id = stmtId(r.u32(), ctx);
  const flags = r.u8();
  r.u32(); // iteration count
  const short = unread(r);
  if (short) return short;
  const stmt = statementOf(id, ctx, fields);
  let count = stmt?.params;
  const secrets: [number, number][] = [];
  const echoes: string[] = [];
  const attrsOn = (ctx.caps & CAP.QUERY_ATTRIBUTES) !== 0;
  if (attrsOn && ((count ?? 0) > 0 || flags & 0x08)) count = r.lenenc();
  if (count !== undefined && count > 0) {
    const { values } = readParams(r, count, attrsOn, stmt, ctx, fields, secrets, echoes);
    if (!r.bad) fields.params = values;
  }
  if (r.bad) {
    if (truncated) fields.truncated = true;
    else fields.paramsError = r.why;
  }
  if (stmt) stmt.longData = undefined;
  const summary = stmt ? oneLine(stmt.sql) : `statement ${id}`;
  return {
    msg: { from: 'client', name, summary, fields },
    answer: 'generic',
    secrets,
    ...(echoes.length ? { echoes } : {}),
    ...(stmt ? { sql: stmt.sql } : {}),
  };
}

/** null bitmap, new-params-bound flag, types (and names), then the values; a cut one leaves
 * `r.bad`, and then neither the statement's types nor a secret range are taken from it */
function readParams(
  r: Reader,
  count: number,
  named: boolean,
  stmt: Stmt | undefined,
  ctx: Ctx,
  fields: Record<string, unknown>,
  secrets?: [number, number][],
  echoes?: string[],
): { values: unknown[]; names: string[] } {
  const bitmap = r.bytes(Math.floor((count + 7) / 8));
  const bound = r.u8();
  let types = stmt?.types;
  const names: string[] = [];
  if (bound) {
    types = [];
    for (let i = 0; i < count && !r.bad; i++) {
      const t = r.u16();
      types.push(t);
      if (named) names.push(text(r.lenencBytes(), 256).value);
    }
    if (stmt && !r.bad) stmt.types = types;
  }
  const values: unknown[] = [];
  const cut = { truncated: false };
  if (!types) return { values, names };
  const shown = Math.min(count, MAX_PARAMS_SHOWN);
  for (let i = 0; i < shown && !r.bad; i++) {
    if (bitmap[i >> 3]! & (1 << (i & 7))) values.push(null);
    else if (stmt?.longData?.has(i)) values.push('[long data]');
    else {
      const t = types[i] ?? 0xfd;
      const at = r.pos;
      const v = readValue(r, t & 0xff, (t & 0x8000) !== 0, ctx.maxValue, cut);
      if (r.bad) break;
      // a placeholder where SQL would hold a password (`IDENTIFIED BY ?`, `PASSWORD(?)`)
      if (ctx.redact && stmt?.secretParams?.includes(i)) {
        secrets?.push([at, r.pos]);
        if (typeof v === 'string' && v !== '') echoes?.push(v);
        values.push(REDACTED);
      } else values.push(v);
    }
  }
  if (!r.bad && (cut.truncated || shown < count)) fields.truncated = true;
  return { values, names };
}
