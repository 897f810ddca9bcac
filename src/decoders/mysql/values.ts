// Binary-protocol values (COM_STMT_EXECUTE parameters, query attributes), made JSON-safe:
// integers beyond 2^53 and all decimals as strings, temporals as ISO-like text, strings capped.

import { Reader, Short, text } from './reader.js';

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
} as const;

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** one value of `type` (low byte) with the unsigned flag; throws Short on unknown types */
export function readValue(
  r: Reader,
  type: number,
  unsigned: boolean,
  maxValue: number,
  cut: { truncated: boolean },
): unknown {
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
      return unsigned ? v : (v << 16) >> 16;
    }
    case TYPE.LONG:
    case TYPE.INT24: {
      const v = r.u32();
      return unsigned ? v : v | 0;
    }
    case TYPE.LONGLONG: {
      const u = r.u64();
      const v = unsigned ? u : BigInt.asIntN(64, u);
      return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER)
        ? Number(v)
        : v.toString();
    }
    case TYPE.FLOAT:
      return jsonNumber(r.bytes(4).readFloatLE(0));
    case TYPE.DOUBLE:
      return jsonNumber(r.bytes(8).readDoubleLE(0));
    case TYPE.DATE:
    case TYPE.DATETIME:
    case TYPE.TIMESTAMP:
      return dateTime(new Reader(r.bytes(r.u8())));
    case TYPE.TIME:
      return time(new Reader(r.bytes(r.u8())));
    default:
      if (type === 0x0f || type === 0x10 || type >= 0xf5 || type === TYPE.DECIMAL) {
        const t = text(r.lenencBytes(), maxValue);
        if (t.truncated) cut.truncated = true;
        return t.value;
      }
      throw new Short(`a value of unknown type 0x${type.toString(16)}`);
  }
}

function jsonNumber(v: number): number | string {
  return Number.isFinite(v) ? v : String(v);
}

function dateTime(r: Reader): string {
  if (r.left === 0) return '0000-00-00 00:00:00';
  const d = `${pad(r.u16(), 4)}-${pad(r.u8())}-${pad(r.u8())}`;
  if (r.left === 0) return d;
  const t = `${d} ${pad(r.u8())}:${pad(r.u8())}:${pad(r.u8())}`;
  return r.left >= 4 ? `${t}.${pad(r.u32(), 6)}` : t;
}

function time(r: Reader): string {
  if (r.left === 0) return '00:00:00';
  const neg = r.u8() === 1 ? '-' : '';
  const hours = r.u32() * 24 + r.u8();
  const t = `${neg}${pad(hours)}:${pad(r.u8())}:${pad(r.u8())}`;
  return r.left >= 4 ? `${t}.${pad(r.u32(), 6)}` : t;
}
