// What a program asks of a session: the exchanges seen so far, the digest over them, N+1
// findings, and a table of connections. Fed by the event stream (a hub listener, or the events of
// a capture file read back), so the test-suite API and the MCP server read the same objects that
// the capture holds. Bounded: past `maxExchanges` the oldest are dropped and counted.

import type { CaptureEvent, ExchangeEvent, ProtocolName } from '../events.js';
import {
  STATS_SORTS,
  Digest,
  type NPlusOneFinding,
  type NPlusOneOptions,
  type StatsRow,
  type StatsSort,
} from '../digest/index.js';
import { parseFilter, type Filter } from '../filter/index.js';
import { oneOf, show, wholeNumber } from './arguments.js';
import { ByConnection } from './by-connection.js';

export const DEFAULT_MAX_EXCHANGES = 100_000;

export interface ConnectionSummary {
  conn: number;
  route?: string;
  client?: string;
  target?: string;
  /** the decoder that read it, once one did */
  protocol?: ProtocolName;
  /** epoch ms */
  opened?: number;
  closed?: number;
  /** close reason (client_fin, server_reset, ...); absent while open */
  reason?: string;
  ms?: number;
  bytes: { client: number; server: number };
  exchanges: number;
  errors: number;
}

export type FilterInput = string | Filter | undefined;

export function toFilter(f: FilterInput): Filter | undefined {
  if (f === undefined) return undefined;
  if (typeof f === 'string') return f.trim() === '' ? undefined : parseFilter(f);
  if (typeof f === 'object' && f !== null && typeof f.match === 'function') return f;
  throw new TypeError(
    `filter ${show(f)} is neither a string in the filter language (docs/filter.md) nor a Filter from parseFilter()`,
  );
}

export class ConversationLog {
  private list: ExchangeEvent[] = [];
  private byId = new Map<number, ExchangeEvent>();
  private conns = new ByConnection<ConnectionSummary>();
  private droppedCount = 0;
  /** called before every read: a relay that defers observation emits what it holds */
  private settle: () => void = () => undefined;

  constructor(readonly maxExchanges = DEFAULT_MAX_EXCHANGES) {}

  /** the relay whose events feed this log settles through `fn` before each read */
  settleWith(fn: () => void): void {
    this.settle = fn;
  }

  /** exchanges dropped because the log was full */
  get dropped(): number {
    this.settle();
    return this.droppedCount;
  }

  /** feed one event; only exchanges and connection events are kept */
  add(e: CaptureEvent): void {
    switch (e.type) {
      case 'exchange':
        return this.addExchange(e);
      case 'open': {
        const c = this.conn(e.conn, e.route);
        c.client = e.client;
        c.target = e.target;
        c.opened = e.time;
        return;
      }
      case 'data': {
        const c = this.conn(e.conn, e.route);
        if (e.protocol) c.protocol ??= e.protocol;
        // counted as they pass, so an open connection shows its bytes (the close event's
        // totals, which follow, are the same figures)
        c.bytes[e.from] += e.len;
        return;
      }
      case 'message':
        this.conn(e.conn, e.route).protocol ??= e.protocol;
        return;
      case 'close': {
        const c = this.conn(e.conn, e.route);
        c.closed = e.time;
        c.reason = e.reason;
        c.ms = e.ms;
        c.bytes = { ...e.bytes };
        return;
      }
      case 'error':
        if (e.conn !== undefined) this.conn(e.conn, e.route).errors++;
        return;
      default:
        return;
    }
  }

  private addExchange(x: ExchangeEvent): void {
    this.list.push(x);
    this.byId.set(x.id, x);
    const c = this.conn(x.conn, x.route);
    c.protocol ??= x.protocol;
    c.exchanges++;
    if (x.response?.error) c.errors++;
    if (this.list.length > this.maxExchanges) {
      const old = this.list.shift()!;
      this.byId.delete(old.id);
      this.droppedCount++;
    }
  }

  private conn(id: number, route?: string): ConnectionSummary {
    let c = this.conns.get(route, id);
    if (!c) {
      c = { conn: id, bytes: { client: 0, server: 0 }, exchanges: 0, errors: 0 };
      if (route !== undefined) c.route = route;
      this.conns.set(route, id, c);
      // bounded like the exchanges: a long session forgets its oldest connections first
      if (this.conns.size > this.maxExchanges) this.conns.deleteOldest();
    }
    return c;
  }

  /** the exchanges kept, oldest first, optionally filtered (string: the filter language) */
  exchanges(filter?: FilterInput): ExchangeEvent[] {
    const f = toFilter(filter);
    this.settle();
    return f ? this.list.filter((x) => f.match(x)) : this.list.slice();
  }

  /** exchanges with an id above `afterId` (ids increase in completion order) */
  since(afterId: number): ExchangeEvent[] {
    this.settle();
    let i = this.list.length;
    while (i > 0 && this.list[i - 1]!.id > afterId) i--;
    return this.list.slice(i);
  }

  get(id: number): ExchangeEvent | undefined {
    this.settle();
    return this.byId.get(id);
  }

  /** the id of the newest exchange, 0 when none */
  get lastId(): number {
    this.settle();
    return this.list.length ? this.list[this.list.length - 1]!.id : 0;
  }

  get size(): number {
    this.settle();
    return this.list.length;
  }

  stats(filter?: FilterInput, sort: StatsSort = 'total'): StatsRow[] {
    oneOf('stats', 'sort', sort, STATS_SORTS);
    return digestOf(this.exchanges(filter)).rows(sort);
  }

  nPlusOne(options?: NPlusOneOptions & { filter?: FilterInput }): NPlusOneFinding[] {
    // a run of one is every query: the digest's own rule is at least 2
    if (options?.threshold !== undefined)
      wholeNumber('nPlusOne', 'threshold', options.threshold, 2);
    return digestOf(this.exchanges(options?.filter)).findings(options);
  }

  connections(): ConnectionSummary[] {
    this.settle();
    return this.conns.values();
  }

  reset(): void {
    // what happened before the reset must not arrive after it
    this.settle();
    this.list = [];
    this.byId.clear();
    this.conns.clear();
    this.droppedCount = 0;
  }
}

export function digestOf(exchanges: Iterable<ExchangeEvent>): Digest {
  const d = new Digest();
  for (const x of exchanges) d.add(x);
  return d;
}
