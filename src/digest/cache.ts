// A bounded cache for the hot path (fingerprintOf runs for every exchange): two generations of a
// Map, the old one dropped when the new one fills. Cheaper than an exact LRU (no reordering on
// every hit) and it keeps what is used often: a hit in the old generation moves to the new one.

export class TwoGenCache<V> {
  private young = new Map<string, V>();
  private old = new Map<string, V>();

  constructor(
    private readonly size: number,
    /** longer keys are not cached (they would hold a lot of memory for one hit) */
    private readonly maxKey: number,
  ) {}

  get(key: string): V | undefined {
    const v = this.young.get(key);
    if (v !== undefined) return v;
    const o = this.old.get(key);
    if (o !== undefined) this.set(key, o);
    return o;
  }

  set(key: string, v: V): void {
    if (key.length > this.maxKey) return;
    if (this.young.size >= this.size) {
      this.old = this.young;
      this.young = new Map();
    }
    this.young.set(key, v);
  }

  clear(): void {
    this.young.clear();
    this.old.clear();
  }
}
