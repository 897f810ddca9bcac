// Values by type, for the binary protocol (COM_STMT_EXECUTE parameters, query attributes, rows
// of an executed statement) and the text protocol (rows of COM_QUERY), made JSON-safe and the
// same in both: integers as numbers (beyond 2^53 as decimal strings), DECIMAL as its exact
// string, FLOAT/DOUBLE as numbers (FLOAT at its shortest float32 form, as the server prints it),
// DATE/DATETIME/TIMESTAMP/TIME as the server's text, YEAR and BIT as numbers, strings as UTF-8,
// binary strings that are not printable UTF-8 as `0x` + hex. Long values end with `…`.

import type { Column } from './columns.js';
import { BINARY_CHARSET, FLAG } from './columns.js';
import type { Reader } from './reader.js';

export const TYPE = {
  DECIMAL: 0x00,
  TINY: 0x01,
  SHORT: 0x02,
  LONG: 0x03,
  FLOAT: 0x04,
  DOUBLE: 0x05,
  NULL: 0x06,
  TIMESTAMP: 0x07,
  LONGLONG: 0x08,
  INT24: 0x09,
  DATE: 0x0a,
  TIME: 0x0b,
  DATETIME: 0x0c,
  YEAR: 0x0d,
  VARCHAR: 0x0f,
  BIT: 0x10,
  JSON: 0xf5,
  NEWDECIMAL: 0xf6,
  BLOB: 0xfc,
  VAR_STRING: 0xfd,
  STRING: 0xfe,
  GEOMETRY: 0xff,
} as const;

export const CUT = '…';

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** how a value is shown when it is not a number: text, or hex for binary bytes */
interface Shape {
  binary: boolean;
  decimals: number;
}

/** parameters carry no charset: a string is shown as text when it is printable UTF-8, and as
 * `0x` + hex otherwise (a Buffer bound to `?`), as a binary column's value is */
const PARAM: Shape = { binary: true, decimals: 0x1f };

/** A binary-protocol parameter of `type` (low byte) with the unsigned flag (strings as UTF-8
 * when printable, else hex). An unknown type fails the reader: its length is not known. */
export function readValue(
  r: Reader,
  type: number,
  unsigned: boolean,
  maxValue: number,
  cut: { truncated: boolean },
): unknown {
  const v = binary(r, type, unsigned, PARAM, maxValue);
  if (typeof v === 'string' && v.endsWith(CUT)) cut.truncated = true;
  return v;
}

/** one value of a binary result row, read by its column's definition */
export function binaryValue(r: Reader, col: Column, maxValue: number): unknown {
  return binary(r, col.type, (col.flags & FLAG.UNSIGNED) !== 0, shapeOf(col), maxValue);
}

/** one value of a text result row (the bytes of its length-encoded string), typed by column */
export function textValue(b: Buffer, col: Column, maxValue: number): unknown {
  switch (col.type) {
    case TYPE.TINY:
    case TYPE.SHORT:
    case TYPE.LONG:
    case TYPE.INT24:
    case TYPE.LONGLONG:
    case TYPE.YEAR:
      return integer(b.toString('latin1'));
    case TYPE.FLOAT:
    case TYPE.DOUBLE: {
      const s = b.toString('latin1');
      const n = Number(s);
      return Number.isFinite(n) && s.trim() !== '' ? n : s;
    }
    case TYPE.BIT:
      return bits(b);
    case TYPE.NULL:
      return null;
    default:
      return bytes(b, shapeOf(col), maxValue);
  }
}

function shapeOf(col: Column): Shape {
  const binary =
    col.charset === BINARY_CHARSET &&
    (col.flags & FLAG.BINARY) !== 0 &&
    col.type !== TYPE.DECIMAL &&
    col.type !== TYPE.NEWDECIMAL &&
    col.type !== TYPE.JSON;
  return { binary, decimals: col.decimals };
}

function binary(r: Reader, type: number, unsigned: boolean, shape: Shape, max: number): unknown {
  switch (type) {
    case TYPE.NULL:
      return null;
    case TYPE.TINY: {
      const v = r.u8();
      return unsigned ? v : (v << 24) >> 24;
    }
    case TYPE.SHORT:
    case TYPE.YEAR: {
      const v = r.u16();
      return unsigned || type === TYPE.YEAR ? v : (v << 16) >> 16;
    }
    case TYPE.LONG:
    case TYPE.INT24: {
      const v = r.u32();
      return unsigned ? v : v | 0;
    }
    case TYPE.LONGLONG: {
      const u = r.u64();
      return safe(unsigned ? u : BigInt.asIntN(64, u));
    }
    case TYPE.FLOAT:
      return shortestFloat(r.f32());
    case TYPE.DOUBLE:
      return finite(r.f64());
    case TYPE.DATE:
    case TYPE.DATETIME:
    case TYPE.TIMESTAMP:
      return dateTime(r.nested(r.u8()), type !== TYPE.DATE, shape.decimals);
    case TYPE.TIME:
      return time(r.nested(r.u8()), shape.decimals);
    case TYPE.BIT:
      return bits(r.lenencBytes());
    default:
      if (type === TYPE.DECIMAL || type === TYPE.VARCHAR || type >= TYPE.JSON) {
        return bytes(r.lenencBytes(), shape, max);
      }
      return r.fail(`a value of unknown type 0x${type.toString(16)}`);
  }
}

function safe(v: bigint): number | string {
  return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER)
    ? Number(v)
    : v.toString();
}

function integer(s: string): number | string {
  if (!/^-?\d+$/.test(s)) return s;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : s;
}

function finite(v: number): number | string {
  return Number.isFinite(v) ? v : String(v);
}

/** the shortest decimal that reads back as the same float32: 3.14, not 3.140000104904175 */
function shortestFloat(v: number): number | string {
  if (!Number.isFinite(v)) return String(v);
  for (let p = 1; p < 10; p++) {
    const n = Number(v.toPrecision(p));
    if (Math.fround(n) === v) return n;
  }
  return v;
}

/** BIT(n): big-endian bytes */
function bits(b: Buffer): number | string {
  let v = 0n;
  for (const byte of b.subarray(0, 16)) v = (v << 8n) | BigInt(byte);
  return safe(v);
}

function bytes(b: Buffer, shape: Shape, max: number): string {
  if (shape.binary && !printable(b)) {
    const n = Math.max(1, Math.floor(max / 2));
    return `0x${b.subarray(0, n).toString('hex')}${b.length > n ? CUT : ''}`;
  }
  if (b.length <= max) return b.toString('utf8');
  return b.subarray(0, max).toString('utf8') + CUT;
}

/** valid UTF-8 without control characters other than tab and newlines */
function printable(b: Buffer): boolean {
  const s = b.toString('utf8');
  // eslint-disable-next-line no-control-regex
  return !s.includes('\ufffd') && !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(s);
}

function fraction(micro: number, decimals: number): string {
  const digits = decimals >= 1 && decimals <= 6 ? decimals : micro ? 6 : 0;
  return digits ? `.${pad(micro, 6).slice(0, digits)}` : '';
}

function dateTime(r: Reader, withTime: boolean, decimals: number): string {
  const zeroTime = withTime ? ` 00:00:00${fraction(0, decimals)}` : '';
  if (r.left === 0) return `0000-00-00${zeroTime}`;
  const d = `${pad(r.u16(), 4)}-${pad(r.u8())}-${pad(r.u8())}`;
  if (!withTime) return d;
  if (r.left === 0) return d + zeroTime;
  const t = `${d} ${pad(r.u8())}:${pad(r.u8())}:${pad(r.u8())}`;
  return t + fraction(r.left >= 4 ? r.u32() : 0, decimals);
}

function time(r: Reader, decimals: number): string {
  if (r.left === 0) return `00:00:00${fraction(0, decimals)}`;
  const neg = r.u8() === 1 ? '-' : '';
  const hours = r.u32() * 24 + r.u8();
  const t = `${neg}${pad(hours)}:${pad(r.u8())}:${pad(r.u8())}`;
  return t + fraction(r.left >= 4 ? r.u32() : 0, decimals);
}
