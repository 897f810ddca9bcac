// The digest: per fingerprint, calls, errors, rows and latency percentiles, plus N+1 findings
// (docs/stats.md). Fed exchanges live (summary, top) or from a capture (stats). Bounded: at most
// MAX_FINGERPRINTS rows; exchanges of further fingerprints are counted in one "(other)" row per
// protocol.

import type { ExchangeEvent, ProtocolName } from '../events.js';
import { isError } from '../filter/terms.js';
import { fingerprintOf } from './fingerprint.js';
import { FLAT_MAX, Latency, type FlatBudget } from './latency.js';
import { DEFAULT_THRESHOLD, RunTracker } from './nplusone.js';
import { round } from '../util/time.js';

/** one row of `looptap stats --json` (CONTRACT.md) */
export interface StatsRow {
  protocol: ProtocolName;
  fingerprint: string;
  fingerprintId?: string;
  calls: number;
  errors: number;
  rows: number;
  totalMs: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
}

export type StatsSort = 'total' | 'calls' | 'p95' | 'errors';
export const STATS_SORTS: StatsSort[] = ['total', 'calls', 'p95', 'errors'];

/** the same fingerprint run many times in a row on one connection */
export interface NPlusOneFinding {
  protocol: ProtocolName;
  fingerprint: string;
  count: number;
  conn: number;
  route?: string;
  /** the exchange ids of the run, first and last */
  firstId: number;
  lastId: number;
  /** an HTTP exchange (on another route of the same looptap) the run happened inside */
  parentId?: number;
}

export interface NPlusOneOptions {
  /** how many in a row make a finding (default 5) */
  threshold?: number;
}

export const MAX_FINGERPRINTS = 2000;
export const OTHER = '(other fingerprints)';

interface Entry {
  /** protocol and fingerprint id: what tells N+1 runs apart, made once per fingerprint */
  key: string;
  protocol: ProtocolName;
  fingerprint: string;
  fingerprintId?: string;
  calls: number;
  errors: number;
  rows: number;
  totalMs: number;
  latency: Latency;
}

export class Digest {
  /** per protocol, by fingerprint id (or text): no key string to build per exchange */
  private entries = new Map<ProtocolName, Map<string, Entry>>();
  /** the same entries in the order they came (the rows' order before sorting) */
  private list: Entry[] = [];
  private flat: FlatBudget = { left: FLAT_MAX };
  private runs = new RunTracker();
  /** exchanges seen since the start or the last reset */
  exchanges = 0;
  errors = 0;

  constructor(private readonly options: NPlusOneOptions & { maxFingerprints?: number } = {}) {}

  /** counts one exchange; returns an N+1 finding when this exchange ended a long enough run */
  add(x: ExchangeEvent): NPlusOneFinding | undefined {
    // preparing a statement is not running it: pgbench -M prepared's counts (and
    // pg_stat_statements') are executions. A prepare that failed is counted: it is the only
    // place that error shows (the statement never runs)
    if (x.request.kind === 'prepare' && !x.response?.error) return undefined;
    let fingerprint = x.fingerprint;
    let fingerprintId = x.fingerprintId;
    if (fingerprint === undefined) {
      const fp = fingerprintOf(x.protocol, x.request);
      fingerprint = fp.fingerprint;
      fingerprintId = fp.fingerprintId;
    }
    const id = fingerprintId ?? fingerprint;
    let byId = this.entries.get(x.protocol);
    if (!byId) this.entries.set(x.protocol, (byId = new Map<string, Entry>()));
    let e = byId.get(id);
    let key: string;
    if (e) key = e.key;
    else {
      key = `${x.protocol}\0${id}`;
      const max = this.options.maxFingerprints ?? MAX_FINGERPRINTS;
      if (this.list.length >= max) {
        e = byId.get(OTHER);
        if (!e) e = this.set(byId, OTHER, entry(`${x.protocol}\0${OTHER}`, x.protocol, OTHER));
      } else e = this.set(byId, id, entry(key, x.protocol, fingerprint, fingerprintId, this.flat));
    }
    e.calls++;
    this.exchanges++;
    if (isError(x)) {
      e.errors++;
      this.errors++;
    }
    const rows = x.response?.rows;
    if (typeof rows === 'number' && rows > 0) e.rows += rows;
    if (typeof x.latencyMs === 'number' && x.latencyMs >= 0) {
      e.totalMs += x.latencyMs;
      e.latency.record(x.latencyMs);
    }
    return this.runs.add(x, key, fingerprint, this.threshold());
  }

  private set(byId: Map<string, Entry>, id: string, e: Entry): Entry {
    byId.set(id, e);
    this.list.push(e);
    return e;
  }

  /** a connection closed: its run (if any) ends; returns it when it is a finding */
  close(conn: number, route?: string): NPlusOneFinding | undefined {
    return this.runs.close(conn, route, this.threshold());
  }

  rows(sort: StatsSort = 'total'): StatsRow[] {
    const out: StatsRow[] = [];
    for (const e of this.list) {
      const row: StatsRow = {
        protocol: e.protocol,
        fingerprint: e.fingerprint,
        calls: e.calls,
        errors: e.errors,
        rows: e.rows,
        totalMs: round(e.totalMs),
        p50Ms: round(e.latency.at(50)),
        p95Ms: round(e.latency.at(95)),
        maxMs: round(e.latency.maxMs),
      };
      if (e.fingerprintId !== undefined) row.fingerprintId = e.fingerprintId;
      out.push(row);
    }
    const by: Record<StatsSort, (r: StatsRow) => number> = {
      total: (r) => r.totalMs,
      calls: (r) => r.calls,
      p95: (r) => r.p95Ms,
      errors: (r) => r.errors,
    };
    const f = by[sort];
    return out.sort(
      (a, b) =>
        f(b) - f(a) ||
        b.totalMs - a.totalMs ||
        b.calls - a.calls ||
        (a.fingerprint < b.fingerprint ? -1 : 1),
    );
  }

  findings(options?: NPlusOneOptions): NPlusOneFinding[] {
    return this.runs.findings(options?.threshold ?? this.threshold());
  }

  reset(): void {
    this.entries.clear();
    this.list = [];
    this.flat = { left: FLAT_MAX };
    this.runs.reset();
    this.exchanges = 0;
    this.errors = 0;
  }

  private threshold(): number {
    return this.options.threshold ?? DEFAULT_THRESHOLD;
  }
}

function entry(
  key: string,
  protocol: ProtocolName,
  fingerprint: string,
  fingerprintId?: string,
  flat?: FlatBudget,
): Entry {
  const e: Entry = {
    key,
    protocol,
    fingerprint,
    calls: 0,
    errors: 0,
    rows: 0,
    totalMs: 0,
    latency: new Latency(flat),
  };
  if (fingerprintId !== undefined) e.fingerprintId = fingerprintId;
  return e;
}
