// The hot path of RESP framing: `<type><-?digits>\r\n` parsed straight from the queue's first
// bytes (a view, no string), since every command argument and most replies start with one.

import type { ByteQueue } from '../byte-queue.js';

const CR = 0x0d;
const LF = 0x0a;
/** `$123`, `*7`: a header line longer than this is not RESP */
export const HEADER_MAX = 64;

/** the value of the last header parse() accepted */
export const header = { n: 0 };

export const NEED_MORE = 0;
export const BAD = -1;

/** Length of the header line at the queue head (value in `header.n`), NEED_MORE, or BAD. The
 * type byte is not checked. Up to 16 digits, an optional minus sign. */
export function parseHeader(q: ByteQueue): number {
  const view = q.peek(Math.min(q.length, HEADER_MAX));
  const len = view.length;
  let i = 1;
  let neg = false;
  if (i < len && view[i] === 0x2d) {
    neg = true;
    i++;
  }
  const digits = i;
  let n = 0;
  for (; i < len; i++) {
    const c = view[i]!;
    if (c < 0x30 || c > 0x39) break;
    n = n * 10 + (c - 0x30);
  }
  if (i - digits > 16) return BAD;
  if (i >= len) return len >= HEADER_MAX ? BAD : NEED_MORE;
  if (i === digits || view[i] !== CR) return BAD;
  if (i + 1 >= len) return NEED_MORE;
  if (view[i + 1] !== LF) return BAD;
  header.n = neg ? -n : n;
  return i + 2;
}
