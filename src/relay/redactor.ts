// Applies the decoders' masks to the bytes that go into `data` events, so that a secret never
// reaches the view or the capture even as raw bytes. Forwarded bytes are never touched: masking
// works on a copy, made only for the chunks that a mask overlaps.

import type { From } from '../events.js';
import type { Mask } from '../decoders/decoder.js';

/** printable, so a masked password reads as ***** in a text preview */
export const MASK_BYTE = 0x2a;

export class Redactor {
  private masks: Record<From, Mask[]> = { client: [], server: [] };

  add(mask: Mask): void {
    if (!(mask.end > mask.start)) return;
    const list = this.masks[mask.from];
    const same = list.findIndex((m) => m.start === mask.start);
    if (same >= 0) list[same] = mask;
    else list.push(mask);
  }

  /** returns the bytes to record for a chunk at `offset`, and how many bytes were masked */
  apply(from: From, offset: number, chunk: Buffer): { bytes: Buffer; masked: number } {
    const list = this.masks[from];
    if (list.length === 0) return { bytes: chunk, masked: 0 };
    const end = offset + chunk.length;
    let out: Buffer | undefined;
    const hit: [number, number][] = [];
    for (const m of list) {
      const s = Math.max(m.start, offset);
      const e = Math.min(m.end, end);
      if (e <= s) continue;
      out ??= Buffer.from(chunk);
      out.fill(MASK_BYTE, s - offset, e - offset);
      hit.push([s, e]);
    }
    const masked = unionLength(hit);
    // masks that ended inside this chunk or before it will never match again
    this.masks[from] = list.filter((m) => m.end > end);
    return { bytes: out ?? chunk, masked };
  }
}

/** bytes covered by ranges that may overlap (two masks over one secret count its bytes once) */
function unionLength(ranges: [number, number][]): number {
  if (ranges.length < 2) return ranges.length === 0 ? 0 : ranges[0]![1] - ranges[0]![0];
  ranges.sort((a, b) => a[0] - b[0]);
  let total = 0;
  let [s, e] = ranges[0]!;
  for (const [rs, re] of ranges.slice(1)) {
    if (rs > e) {
      total += e - s;
      [s, e] = [rs, re];
    } else if (re > e) e = re;
  }
  return total + e - s;
}
