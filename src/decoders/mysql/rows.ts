// Result rows as typed values. Text rows (COM_QUERY): one length-encoded string per column, 0xfb
// for NULL. Binary rows (COM_STMT_EXECUTE, COM_STMT_FETCH): a 0x00 header, a NULL bitmap whose
// first two bits are reserved, then each non-NULL value in its type's binary form. A row the
// decoder kept only the start of (a value longer than its kept window) reads as far as it can;
// what could not be read shows as `…`.

import type { Column } from './columns.js';
import { UNKNOWN_COLUMN } from './columns.js';
import { Reader } from './reader.js';
import { CUT, binaryValue, textValue } from './values.js';

export function textRow(data: Buffer, cols: readonly Column[], maxValue: number): unknown[] {
  const r = new Reader(data);
  const out: unknown[] = [];
  const n = cols.length || Infinity;
  while (out.length < n && r.left > 0 && !r.bad) {
    const col = cols[out.length] ?? UNKNOWN_COLUMN;
    const len = r.lenencOrNull();
    if (r.bad) break;
    if (len === null) {
      out.push(null);
      continue;
    }
    if (len > r.left) {
      // cut by the kept window: the start of the value, then nothing more can be read
      out.push(String(textValue(r.rest(), col, maxValue)) + CUT);
      break;
    }
    out.push(textValue(r.bytes(len), col, maxValue));
  }
  while (out.length < cols.length) out.push(CUT);
  return out;
}

export function binaryRow(data: Buffer, cols: readonly Column[], maxValue: number): unknown[] {
  const r = new Reader(data);
  const out: unknown[] = [];
  r.u8(); // 0x00
  const bitmap = r.bytes((cols.length + 9) >> 3);
  // the value whose read went bad, and every one after it, shows as CUT
  for (let i = 0; i < cols.length && !r.bad; i++) {
    const bit = i + 2;
    const v = bitmap[bit >> 3]! & (1 << (bit & 7)) ? null : binaryValue(r, cols[i]!, maxValue);
    if (!r.bad) out.push(v);
  }
  while (out.length < cols.length) out.push(CUT);
  return out;
}
