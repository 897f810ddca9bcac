// Is this an HTTP/1.x client? The request line `^[A-Z]{3,10} \S+ HTTP/1\.[01]\r?\n` (RFC 9112
// §3). A prefix that could still become one answers 'more' (up to 2 KiB), so a slow client is not
// misjudged; Redis inline commands (`GET key\r\n`) and the HTTP/2 preface (`PRI * HTTP/2.0`) fail
// on the first byte that cannot match.

import type { From } from '../../events.js';
import type { Sniff } from '../decoder.js';

const SNIFF_LIMIT = 2048;
const VERSION = Buffer.from('HTTP/1.');

export function sniffHttp(from: From, head: Buffer): Sniff {
  if (from !== 'client') return 'no';
  const n = Math.min(head.length, SNIFF_LIMIT);
  let i = 0;
  // method: 3 to 10 upper-case letters, then one space
  while (i < n && i < 11 && head[i]! >= 0x41 && head[i]! <= 0x5a) i++;
  if (i === n) return i <= 10 && n < SNIFF_LIMIT ? 'more' : 'no';
  if (i < 3 || i > 10 || head[i] !== 0x20) return 'no';
  i++;
  // request target: one or more bytes that are not whitespace, then one space
  const targetStart = i;
  while (i < n && head[i]! > 0x20 && head[i] !== 0x7f) i++;
  if (i === n) return n < SNIFF_LIMIT ? 'more' : 'no';
  if (i === targetStart || head[i] !== 0x20) return 'no';
  i++;
  // HTTP/1. then 0 or 1, then CRLF or LF
  for (let k = 0; k < VERSION.length; k++, i++) {
    if (i === n) return n < SNIFF_LIMIT ? 'more' : 'no';
    if (head[i] !== VERSION[k]) return 'no';
  }
  if (i === n) return 'more';
  if (head[i] !== 0x30 && head[i] !== 0x31) return 'no';
  i++;
  if (i === n) return 'more';
  if (head[i] === 0x0a) return 'yes';
  if (head[i] !== 0x0d) return 'no';
  i++;
  if (i === n) return 'more';
  return head[i] === 0x0a ? 'yes' : 'no';
}
