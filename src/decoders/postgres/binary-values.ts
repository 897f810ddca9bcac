// Binary-format values of the common types, as JSON-safe values. pg-types 2 has no binary parser
// for bytea, uuid, date, json or jsonb, and its binary numeric and timestamps go through a double
// and a Date (losing digits and microseconds), so these few are written out here from the type
// send functions (src/backend/utils/adt/*.c: int8send, numeric_send, timestamp_send, ...).

import { OID } from './oids.js';

const PG_EPOCH_MS = Date.UTC(2000, 0, 1);
const DAY_MS = 86_400_000;

/** `\x0a0b` like bytea_output=hex, the hex cut at `max` characters */
export function hexValue(b: Buffer, max: number): string {
  const bytes = Math.ceil(max / 2);
  const s = '\\x' + b.subarray(0, bytes).toString('hex');
  return b.length > bytes ? s + '…' : s;
}

export function cut(s: string, max: number): string {
  return s.length > max ? s.slice(0, max) + '…' : s;
}

/** a number when it is one JSON can hold exactly, else its text (NaN, Infinity, > 2^53) */
function num(n: number | bigint): number | string {
  if (typeof n === 'bigint') {
    return n <= BigInt(Number.MAX_SAFE_INTEGER) && n >= BigInt(Number.MIN_SAFE_INTEGER)
      ? Number(n)
      : n.toString();
  }
  return Number.isFinite(n) ? n : String(n);
}

function date(days: number): string {
  if (days === 0x7fffffff) return 'infinity';
  if (days === -0x80000000) return '-infinity';
  return new Date(PG_EPOCH_MS + days * DAY_MS).toISOString().slice(0, 10);
}

/** timestamp(tz) as PostgreSQL prints it with DateStyle ISO (UTC for timestamptz) */
function timestamp(micros: bigint, tz: boolean): string {
  if (micros === 0x7fffffffffffffffn) return 'infinity';
  if (micros === -0x8000000000000000n) return '-infinity';
  let ms = micros / 1000n;
  let frac = micros % 1000000n;
  if (frac < 0n) frac += 1000000n;
  if (micros < 0n && micros % 1000n !== 0n) ms -= 1n;
  const iso = new Date(PG_EPOCH_MS + Number(ms)).toISOString();
  let s = `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
  if (frac !== 0n) s += '.' + frac.toString().padStart(6, '0').replace(/0+$/, '');
  return tz ? s + '+00' : s;
}

/** numeric_send: ndigits, weight, sign, dscale, then base-10000 digits; exact, as text */
function numeric(b: Buffer): string {
  const ndigits = b.readUInt16BE(0);
  const weight = b.readInt16BE(2);
  const sign = b.readUInt16BE(4);
  const dscale = b.readUInt16BE(6);
  if (sign === 0xc000) return 'NaN';
  if (sign === 0xd000) return 'Infinity';
  if (sign === 0xf000) return '-Infinity';
  if (b.length < 8 + ndigits * 2) throw new RangeError('short numeric');
  const digit = (i: number): string =>
    i >= 0 && i < ndigits ? String(b.readUInt16BE(8 + i * 2)).padStart(4, '0') : '0000';
  let int = '';
  for (let i = 0; i <= weight; i++) int += digit(i);
  int = int.replace(/^0+/, '') || '0';
  let frac = '';
  for (let i = weight + 1; frac.length < dscale; i++) frac += digit(i);
  frac = frac.slice(0, dscale);
  return (sign === 0x4000 ? '-' : '') + int + (frac ? '.' + frac : '');
}

function uuid(b: Buffer): string {
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function json(text: string, max: number): unknown {
  if (text.length > max) return cut(text, max);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** One binary value; throws RangeError on a body too short for its type (the caller keeps the
 * hex then). Unknown types come back as hex. */
export function binaryValue(b: Buffer, oid: number, max: number): unknown {
  const need = FIXED[oid];
  if (need !== undefined && b.length !== need) return hexValue(b, max);
  switch (oid) {
    case OID.bool:
      return b[0] !== 0;
    case OID.int2:
      return b.readInt16BE(0);
    case OID.int4:
      return b.readInt32BE(0);
    case OID.oid:
      return b.readUInt32BE(0);
    case OID.int8:
      return num(b.readBigInt64BE(0));
    case OID.float4:
      return num(b.readFloatBE(0));
    case OID.float8:
      return num(b.readDoubleBE(0));
    case OID.numeric:
      return numeric(b);
    case OID.uuid:
      return uuid(b);
    case OID.date:
      return date(b.readInt32BE(0));
    case OID.timestamp:
      return timestamp(b.readBigInt64BE(0), false);
    case OID.timestamptz:
      return timestamp(b.readBigInt64BE(0), true);
    case OID.json:
      return json(b.toString('utf8'), max);
    case OID.jsonb:
      // version byte (1), then the text
      return b[0] === 1 ? json(b.toString('utf8', 1), max) : hexValue(b, max);
    case OID.bytea:
      return hexValue(b, max);
    default:
      return TEXTUAL.has(oid) ? cut(b.toString('utf8'), max) : hexValue(b, max);
  }
}

/** types whose binary form has one fixed size */
const FIXED: Record<number, number> = {
  [OID.bool]: 1,
  [OID.int2]: 2,
  [OID.int4]: 4,
  [OID.oid]: 4,
  [OID.int8]: 8,
  [OID.float4]: 4,
  [OID.float8]: 8,
  [OID.uuid]: 16,
  [OID.date]: 4,
  [OID.timestamp]: 8,
  [OID.timestamptz]: 8,
};

/** types whose binary form is their text (textsend, varcharsend, namesend, ...) */
export const TEXTUAL = new Set<number>([
  OID.text,
  OID.varchar,
  OID.bpchar,
  OID.name,
  OID.char,
  OID.xml,
  OID.unknown,
]);
