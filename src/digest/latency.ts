// Latency percentiles for one fingerprint with an HDR histogram (hdr-histogram-js): microsecond
// resolution, 3 significant digits (a percentile is within 0.1% of the true sample), from 1 us to
// 1 hour (longer is counted as 1 hour; the exact maximum is kept apart). Packed buckets: a few
// hundred bytes for a typical fingerprint, so thousands of rows stay small. A packed record costs
// ~600 ns, though (a tree walk), which was the digest's largest cost per exchange: a fingerprint
// called FLAT_AFTER times moves to a flat histogram (~80 ns a record, 94 KB), at most FLAT_MAX of
// them per digest. Same buckets, so the same percentiles. The move replays the first values, kept
// raw until then (at most 1 KB): copying the packed histogram would read its 23,552 buckets, a tree
// walk each (24 ms).

import * as hdr from 'hdr-histogram-js';

const HIGHEST_US = 3_600_000_000;
const FLAT_AFTER = 256;
/** flat histograms one digest may hold (94 KB each) */
export const FLAT_MAX = 32;

/** how many more fingerprints of one digest may get a flat histogram */
export interface FlatBudget {
  left: number;
}

const histogram = (bitBucketSize: 'packed' | 32): WithLowest =>
  hdr.build({
    bitBucketSize,
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_US,
    numberOfSignificantValueDigits: 3,
    useWebAssembly: false,
  }) as WithLowest;

/** what build() returns is a JsHistogram, which has this; the Histogram interface leaves it out */
type WithLowest = hdr.Histogram & { lowestEquivalentValue(value: number): number };

export class Latency {
  private h = histogram('packed');
  count = 0;
  maxMs = 0;

  /** the values so far, while this one may still move to a flat histogram */
  private raw: Uint32Array | undefined;

  constructor(private readonly budget?: FlatBudget) {
    if (budget && budget.left > 0) this.raw = new Uint32Array(16);
  }

  record(ms: number): void {
    if (!(ms >= 0)) return;
    const us = Math.min(HIGHEST_US, Math.max(1, Math.round(ms * 1000)));
    this.h.recordValue(us);
    if (ms > this.maxMs) this.maxMs = ms;
    const raw = this.raw;
    if (raw === undefined) {
      this.count++;
      return;
    }
    if (this.count === raw.length) (this.raw = new Uint32Array(raw.length * 2)).set(raw);
    this.raw![this.count++] = us;
    if (this.count === FLAT_AFTER) this.flatten();
  }

  private flatten(): void {
    const raw = this.raw!;
    this.raw = undefined;
    if (!this.budget || this.budget.left <= 0) return;
    this.budget.left--;
    const flat = histogram(32);
    for (let i = 0; i < this.count; i++) flat.recordValue(raw[i]!);
    this.h = flat;
  }

  /** the percentile in ms (0 when nothing was recorded) */
  at(percentile: number): number {
    if (this.count === 0) return 0;
    // the bucket's lowest value: a sample of exactly 4 ms reads 4, not the bucket's top 4.001
    const us = this.h.lowestEquivalentValue(this.h.getValueAtPercentile(percentile));
    return Math.min(this.maxMs, us / 1000);
  }
}
