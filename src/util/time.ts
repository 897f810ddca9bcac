// One clock and one rounding for timestamps and latencies: epoch milliseconds with sub-ms
// precision (Date.now() is whole ms, too coarse for loopback latencies), shown to the microsecond.

export const now = (): number => performance.timeOrigin + performance.now();

/** milliseconds rounded to three decimals (microseconds) */
export const round = (ms: number): number => Math.round(ms * 1000) / 1000;
