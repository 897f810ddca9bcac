// Column definitions (Protocol::ColumnDefinition41): what a row value needs to be read by type.
// MariaDB's MARIADB_CLIENT_EXTENDED_METADATA adds a length-encoded "extended type info" string
// after org_name (the mariadb CLI asks for it); reading the fixed fields without skipping it
// shifts every type byte, which is how a binary row once came out as ["\u0000\u0000","","cup"].

import { Reader } from './reader.js';
import { redactSql, secretRanges } from './sql-secrets.js';

/** MariaDB extended capability: column definitions carry extended type info */
export const MARIADB_EXTENDED_METADATA = 0x8;

/** column flags that change how a value reads */
export const FLAG = { UNSIGNED: 0x20, BINARY: 0x80 } as const;

/** the charset number of binary strings (BLOB, BINARY, VARBINARY) */
export const BINARY_CHARSET = 63;

export interface Column {
  name: string;
  type: number;
  flags: number;
  charset: number;
  /** fractional digits (DECIMAL, DATETIME(n), TIME(n)); 0x1f when not fixed */
  decimals: number;
}

const MAX_NAME = 256;

/** one column definition packet; `extended` when MARIADB_EXTENDED_METADATA was negotiated.
 * A definition too short for its fields leaves `r.bad`. */
function readColumn(r: Reader, extended: boolean, redact: boolean): Column {
  for (let i = 0; i < 4; i++) r.lenencBytes(); // catalog, schema, table, org_table
  const nameBytes = r.lenencBytes().subarray(0, MAX_NAME);
  // an expression's column is named by its text: `select password('pw')` names one password('pw')
  const name = redact ? redactSql(nameBytes, secretRanges(nameBytes)) : nameBytes.toString('utf8');
  r.lenencBytes(); // org_name
  if (extended) r.lenencBytes();
  r.lenenc(); // length of the fixed fields (0x0c)
  const charset = r.u16();
  r.u32(); // display length
  const type = r.u8();
  const flags = r.u16();
  const decimals = r.u8();
  return { name, type, flags, charset, decimals };
}

/** a column whose definition could not be read: its values show as text */
export const UNKNOWN_COLUMN: Column = {
  name: '?',
  type: 0xfd,
  flags: 0,
  charset: 33,
  decimals: 0x1f,
};

/** a definition that cannot be read costs its column's types, not the result set; `redact`
 * hides a password literal in the column's name */
export function columnOrUnknown(data: Buffer, extended: boolean, redact = false): Column {
  const r = new Reader(data);
  const col = readColumn(r, extended, redact);
  return r.bad ? UNKNOWN_COLUMN : col;
}
