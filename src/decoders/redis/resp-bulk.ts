// Bulk string payloads ($ ! =), for both sides (command arguments in request.ts, replies in
// resp.ts): at most the bytes the message may show are kept, the rest is skipped by length as it
// arrives, so a 512 MB bulk is never buffered.

import type { ByteQueue } from '../byte-queue.js';
import { isPlainText, showBytes } from './format.js';
import type { RespNode } from './resp-node.js';

const CR = 0x0d;
const LF = 0x0a;

/** a payload being read: its bytes still to come, and room for (and count of) the ones kept */
export interface Payload {
  left: number;
  keep: Buffer;
  kept: number;
}

/** a reply's bulk being read */
export interface Bulk extends Payload {
  node: RespNode;
}

export const MORE = 0;
export const NO_CRLF = 1;

/** Reads on into a bulk's payload and its CRLF: the kept bytes once both are in, MORE while they
 * are not, NO_CRLF when the payload is not followed by CRLF. */
export function bulkPayload(q: ByteQueue, b: Payload): Buffer | typeof MORE | typeof NO_CRLF {
  if (b.left > 0) {
    const n = Math.min(b.left, q.length);
    if (n === 0) return MORE;
    if (b.kept < b.keep.length) {
      const m = Math.min(n, b.keep.length - b.kept);
      q.peek(m).copy(b.keep, b.kept);
      b.kept += m;
    }
    q.skip(n);
    b.left -= n;
    if (b.left > 0) return MORE;
  }
  if (q.length < 2) return MORE;
  if (q.at(0) !== CR || q.at(1) !== LF) return NO_CRLF;
  q.skip(2);
  return b.keep.subarray(0, b.kept);
}

/** a (non-secret) bulk's text from its kept bytes; verbatim strings (=) lose their format prefix */
export function showBulk(node: RespNode, kept: Buffer): void {
  let bytes = kept;
  let size = node.size ?? 0;
  if (node.k === '=' && bytes.length >= 4 && bytes[3] === 0x3a) {
    bytes = bytes.subarray(4); // `txt:` / `mkd:` format prefix
    size -= 4;
  }
  const plain = isPlainText(bytes);
  if (!plain) node.binary = true;
  node.text = showBytes(bytes, size, plain);
  if (kept.length < (node.size ?? 0)) node.truncated = true;
}
