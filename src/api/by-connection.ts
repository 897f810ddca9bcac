// Per-connection state keyed by route and connection number (numbers repeat across routes and
// across relays that share a hub), without building a key string for every chunk.

export class ByConnection<T> {
  private byRoute = new Map<string | undefined, Map<number, T>>();
  private count = 0;

  get(route: string | undefined, conn: number): T | undefined {
    return this.byRoute.get(route)?.get(conn);
  }

  set(route: string | undefined, conn: number, v: T): void {
    let m = this.byRoute.get(route);
    if (!m) this.byRoute.set(route, (m = new Map<number, T>()));
    if (!m.has(conn)) this.count++;
    m.set(conn, v);
  }

  delete(route: string | undefined, conn: number): void {
    const m = this.byRoute.get(route);
    if (m?.delete(conn)) this.count--;
  }

  /** the oldest entry of the oldest route: what a bounded table drops first */
  deleteOldest(): void {
    for (const [route, m] of this.byRoute) {
      const first = m.keys().next();
      if (first.done) continue;
      m.delete(first.value);
      this.count--;
      if (m.size === 0) this.byRoute.delete(route);
      return;
    }
  }

  get size(): number {
    return this.count;
  }

  values(): T[] {
    const out: T[] = [];
    for (const m of this.byRoute.values()) for (const v of m.values()) out.push(v);
    return out;
  }

  clear(): void {
    this.byRoute.clear();
    this.count = 0;
  }
}
