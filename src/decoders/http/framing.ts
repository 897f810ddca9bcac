// Body framing of a message from its header fields (RFC 9112 §6.3): which of Content-Length,
// chunked coding or read-until-close delimits the body, and whether the fields disagree.

import type { BodyKind } from './body.js';
import type { RequestHead } from './head.js';

export interface Framing {
  kind: BodyKind | 'none';
  length: number;
  ambiguous: boolean;
  error?: string;
}

/** Transfer-Encoding wins over Content-Length; both present, or differing Content-Lengths, are
 * marked ambiguous. */
export function framing(fields: RequestHead['fields'], isRequest: boolean): Framing {
  let te: string | undefined;
  let cl: string | undefined;
  let clDiffers = false;
  for (const [n, v] of fields) {
    if (n === 'transfer-encoding') te = te === undefined ? v : `${te},${v}`;
    else if (n === 'content-length') {
      // "5, 5" and repeated equal lines are one length (RFC 9110 §8.6)
      for (const part of v.includes(',') ? v.split(',') : [v]) {
        const x = part.trim();
        if (cl === undefined) cl = x;
        else if (cl !== x) clDiffers = true;
      }
    }
  }
  const hasCl = cl !== undefined;
  if (te !== undefined && te.trim() !== '') {
    const last = te.split(',').pop()!.trim().toLowerCase();
    if (last === 'chunked') return { kind: 'chunked', length: 0, ambiguous: hasCl };
    if (isRequest) {
      return { kind: 'none', length: 0, ambiguous: hasCl, error: 'bad transfer-encoding' };
    }
    return { kind: 'close', length: 0, ambiguous: hasCl };
  }
  if (cl !== undefined) {
    if (clDiffers) {
      return { kind: 'none', length: 0, ambiguous: true, error: 'ambiguous content-length' };
    }
    if (!/^\d{1,15}$/.test(cl)) {
      return { kind: 'none', length: 0, ambiguous: false, error: 'bad content-length' };
    }
    return { kind: 'length', length: Number(cl), ambiguous: false };
  }
  return { kind: isRequest ? 'length' : 'close', length: 0, ambiguous: false };
}
