// Result and parameter values as typed JSON: numbers, booleans, JSON documents and arrays of
// them through pg-types' text parsers; every other text value as its text (dates and timestamps
// stay as the server wrote them: pg-types would turn them into local-time Dates); binary values
// by type (binary-values.ts). A value longer than `max` is cut with '…' and kept as text.

import pgTypes from 'pg-types';
import { binaryValue, cut, hexValue } from './binary-values.js';
import { OID } from './oids.js';
import { findSqlSecrets, redactSql } from './sql-redact.js';

/** one result column or parameter: its type and format (0 text, 1 binary) */
export interface Field {
  name: string;
  oid: number;
  format: number;
}

/** text types whose pg-types parser gives a JSON value (numbers, booleans, JSON, arrays) */
const PARSED = new Set<number>([
  OID.bool,
  OID.int2,
  OID.int4,
  OID.oid,
  OID.int8,
  OID.float4,
  OID.float8,
  OID.json,
  OID.jsonb,
  1000, // bool[]
  1005, // int2[]
  1007, // int4[]
  1016, // int8[]
  1021, // float4[]
  1022, // float8[]
  1009, // text[]
  1015, // varchar[]
  199, // json[]
  3807, // jsonb[]
]);

/** pg-types values are JSON already for the PARSED types, except what JSON cannot hold */
function jsonSafe(v: unknown, text: string): unknown {
  if (typeof v === 'number') return Number.isFinite(v) ? v : text;
  if (typeof v === 'string' || typeof v === 'boolean' || v === null) return v;
  return JSON.stringify(v) === undefined ? text : v;
}

export function textValue(s: string, oid: number, max: number): unknown {
  if (s.length > max) return cut(s, max);
  if (!PARSED.has(oid)) return s;
  try {
    const parse = pgTypes.getTypeParser(oid, 'text') as (text: string) => unknown;
    const v = parse(s);
    // int8 comes back as a string: a number when it fits
    if (oid === OID.int8 && typeof v === 'string') {
      const n = Number(v);
      return Number.isSafeInteger(n) ? n : v;
    }
    return jsonSafe(v, s);
  } catch {
    return s;
  }
}

/** one wire value (text or binary) of a type; never throws */
export function wireValue(b: Buffer, oid: number, format: number, max: number): unknown {
  if (format !== 1) {
    const long = b.length > max;
    const s = b.toString('utf8', 0, long ? max : b.length);
    // a text that mentions a password (pg_stat_activity.query) shows its literal masked
    const shown = /password/i.test(s) ? redactSql(s, findSqlSecrets(s)) : s;
    if (long) return shown + '…';
    return shown === s ? textValue(s, oid, max) : shown;
  }
  try {
    return binaryValue(b, oid, max);
  } catch {
    return hexValue(b, max);
  }
}

/** A DataRow body as values. A body cut at the kept window shows the value running past the
 * cut with '…', and later ones as '…'. */
export function rowValues(body: Buffer, fields: Field[] | undefined, max: number): unknown[] {
  const out: unknown[] = [];
  if (body.length < 2) return out;
  const n = body.readInt16BE(0);
  let pos = 2;
  for (let i = 0; i < n && i < 1600; i++) {
    if (pos + 4 > body.length) {
      out.push('…');
      continue;
    }
    const len = body.readInt32BE(pos);
    pos += 4;
    if (len < 0) {
      out.push(null);
      continue;
    }
    const f = fields?.[i];
    const end = pos + len;
    if (end > body.length) {
      const p = body.subarray(pos);
      const s = f?.format === 1 ? hexValue(p, max) : p.toString('utf8', 0, Math.min(p.length, max));
      out.push(s.endsWith('…') ? s : s + '…');
      pos = body.length;
      continue;
    }
    out.push(wireValue(body.subarray(pos, end), f?.oid ?? 0, f?.format ?? 0, max));
    pos = end;
  }
  return out;
}

/** Bind parameters, typed by the statement's parameter types where known: text-format ones of
 * a known type parsed like result values, unknown ones as their text; binary ones by type. */
export function paramValues(
  values: Array<Buffer | null>,
  formats: number[],
  types: number[],
  max: number,
): unknown[] {
  return values.map((v, i) => {
    if (v === null) return null;
    const format = formats.length === 1 ? formats[0]! : (formats[i] ?? 0);
    return wireValue(v, types[i] ?? 0, format, max);
  });
}
