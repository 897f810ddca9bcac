// N+1 detection: the same fingerprint run many times in a row on one connection (an ORM loading
// a list, then one query per item). A run ends when another fingerprint comes on that connection
// or it closes. Runs of 2 and more are kept (bounded, largest first) so that findings() can take
// any threshold; HTTP exchanges are kept (bounded) to name the request a run happened inside.

import type { ExchangeEvent } from '../events.js';
import type { NPlusOneFinding } from './index.js';

export const DEFAULT_THRESHOLD = 5;
const KEEP_MIN = 2;
const KEEP_RUNS = 1000;
const KEEP_HTTP = 10_000;

interface Run extends NPlusOneFinding {
  key: string;
  firstStart: number;
  lastEnd: number;
}

interface HttpSpan {
  id: number;
  route?: string;
  start: number;
  end: number;
}

/** a connection's key: its number, or route#number when routes share the tracker (no string to
 * build per exchange on a single route) */
const connKey = (conn: number, route: string | undefined): number | string =>
  route === undefined || route === '' ? conn : `${route}#${conn}`;

export class RunTracker {
  private open = new Map<number | string, Run>();
  private done: Run[] = [];
  private http: HttpSpan[] = [];

  /** returns the run this exchange ended, when it is long enough to be a finding */
  add(
    x: ExchangeEvent,
    key: string,
    fingerprint: string,
    threshold: number,
  ): NPlusOneFinding | undefined {
    const conn = connKey(x.conn, x.route);
    const end = x.start + (x.latencyMs ?? 0);
    if (x.protocol === 'http') this.keepHttp(x, end);
    const run = this.open.get(conn);
    if (run && run.key === key) {
      run.count++;
      run.lastId = x.id;
      run.lastEnd = end;
      return undefined;
    }
    const ended = run ? this.finish(run, threshold) : undefined;
    this.open.set(conn, {
      key,
      protocol: x.protocol,
      fingerprint,
      count: 1,
      conn: x.conn,
      ...(x.route !== undefined ? { route: x.route } : {}),
      firstId: x.id,
      lastId: x.id,
      firstStart: x.start,
      lastEnd: end,
    });
    return ended;
  }

  close(conn: number, route: string | undefined, threshold: number): NPlusOneFinding | undefined {
    const k = connKey(conn, route);
    const run = this.open.get(k);
    if (!run) return undefined;
    this.open.delete(k);
    return this.finish(run, threshold);
  }

  findings(threshold: number): NPlusOneFinding[] {
    const all = [...this.done, ...this.open.values()].filter((r) => r.count >= threshold);
    all.sort((a, b) => b.count - a.count || a.firstId - b.firstId);
    return all.map((r) => this.public(r));
  }

  reset(): void {
    this.open.clear();
    this.done = [];
    this.http = [];
  }

  private finish(run: Run, threshold: number): NPlusOneFinding | undefined {
    if (run.count < KEEP_MIN) return undefined;
    this.done.push(run);
    if (this.done.length > 2 * KEEP_RUNS) {
      this.done.sort((a, b) => b.count - a.count);
      this.done.length = KEEP_RUNS;
    }
    return run.count >= threshold ? this.public(run) : undefined;
  }

  private keepHttp(x: ExchangeEvent, end: number): void {
    this.http.push({
      id: x.id,
      ...(x.route !== undefined ? { route: x.route } : {}),
      start: x.start,
      end,
    });
    if (this.http.length > 2 * KEEP_HTTP) this.http = this.http.slice(-KEEP_HTTP);
  }

  /** the one HTTP exchange on another route that was in flight for the whole run, if exactly one
   * was (two concurrent requests that both span the run cannot be told apart) */
  private parentOf(run: Run): number | undefined {
    if (run.protocol === 'http') return undefined;
    let found: number | undefined;
    for (const h of this.http) {
      if (h.route === run.route || h.start > run.firstStart || h.end < run.lastEnd) continue;
      if (found !== undefined) return undefined;
      found = h.id;
    }
    return found;
  }

  private public(r: Run): NPlusOneFinding {
    const f: NPlusOneFinding = {
      protocol: r.protocol,
      fingerprint: r.fingerprint,
      count: r.count,
      conn: r.conn,
      firstId: r.firstId,
      lastId: r.lastId,
    };
    if (r.route !== undefined) f.route = r.route;
    const parent = this.parentOf(r);
    if (parent !== undefined) f.parentId = parent;
    return f;
  }
}
