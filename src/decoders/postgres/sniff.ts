// Auto-detection: a PostgreSQL client speaks first with an untyped message whose Int32 code is
// SSLRequest, GSSENCRequest, CancelRequest or a 3.x protocol version. Eight bytes decide; fewer
// answer 'more' while they can still be one of those, 'no' as soon as they cannot.

import type { Sniff } from '../decoder.js';
import type { From } from '../../events.js';
import { CANCEL_REQUEST, GSSENC_REQUEST, MAX_UNTYPED, SSL_REQUEST } from './codes.js';

export function sniffPostgres(from: From, head: Buffer): Sniff {
  if (from !== 'client' || head.length === 0) return 'no';
  // the length is at most 10000: the first two bytes are zero, the third small
  if (head[0] !== 0 || (head.length > 1 && head[1] !== 0)) return 'no';
  if (head.length < 8) {
    if (head.length >= 4 && !plausibleLength(head.readUInt32BE(0))) return 'no';
    if (head.length >= 5 && head[4] !== 0x00 && head[4] !== 0x04) return 'no';
    return 'more';
  }
  const len = head.readUInt32BE(0);
  const code = head.readUInt32BE(4);
  if (code === SSL_REQUEST || code === GSSENC_REQUEST) return len === 8 ? 'yes' : 'no';
  if (code === CANCEL_REQUEST) return len >= 12 && len <= 12 + 256 ? 'yes' : 'no';
  if (code >>> 16 === 3 && (code & 0xffff) <= 2) return plausibleLength(len) ? 'yes' : 'no';
  return 'no';
}

function plausibleLength(len: number): boolean {
  return len >= 8 && len <= MAX_UNTYPED;
}
