// The exchange store: a bounded in-memory window of the newest exchanges (count and bytes), the
// connections table, and paging of older exchanges from the capture file when there is one. The
// web UI reads it; the test-suite API and MCP are meant to reuse it. Fed by observe() with every
// hub event (a hub listener), never by re-parsing frames.
//
//   hub ──observe()──▶ window (newest N) ──page()──▶ older? ──▶ CaptureIndex (capture file)
//                      connections, frames per exchange

import type { CaptureEvent, ExchangeEvent } from '../events.js';
import { ConnectionTable, type ConnectionRow } from './connections.js';
import { CaptureIndex } from './capture-index.js';
import { FrameCollector, frameBytes, type FrameSet, empty } from './frames.js';

export interface StoreOptions {
  /** exchanges kept in memory (default 10,000) */
  maxExchanges?: number;
  /** rough bytes the kept exchanges may hold (default 64 MiB) */
  maxBytes?: number;
  maxConnections?: number;
  /** the capture file older exchanges are paged from */
  capturePath?: string;
}

export interface Stored {
  exchange: ExchangeEvent;
  frames: FrameSet;
  size: number;
}

export interface PageQuery {
  /** only ids below this (default: from the newest) */
  before?: number;
  /** only ids above this (catching up after a stream gap) */
  after?: number;
  limit?: number;
  match?: (x: ExchangeEvent) => boolean;
}

export interface Page {
  /** ascending by id */
  items: ExchangeEvent[];
  /** older matching exchanges may exist: ask again with before = cursor */
  more: boolean;
  cursor: number;
  /** where the items came from */
  source: 'memory' | 'disk';
  /** older exchanges were dropped and no capture file holds them */
  gone: boolean;
}

export interface StoreStats {
  total: number;
  inMemory: number;
  oldestInMemory?: number;
  newest?: number;
  /** exchanges no longer in memory */
  evicted: number;
  /** evicted ones can be paged from this capture file */
  onDisk: boolean;
  connections: number;
  connectionsVersion: number;
}

type Listener = (s: Stored) => void;

export class ExchangeStore {
  readonly connections: ConnectionTable;
  private readonly frames = new FrameCollector();
  private readonly index: CaptureIndex | undefined;
  private readonly maxExchanges: number;
  private readonly maxBytes: number;
  private items: Stored[] = [];
  private head = 0;
  private bytes = 0;
  private total = 0;
  private evicted = 0;
  /** exchanges not kept because their id did not grow */
  outOfOrder = 0;
  private listeners = new Set<Listener>();

  constructor(options: StoreOptions = {}) {
    this.maxExchanges = options.maxExchanges ?? 10_000;
    this.maxBytes = options.maxBytes ?? 64 << 20;
    this.connections = new ConnectionTable(options.maxConnections ?? 2000);
    this.index = options.capturePath ? new CaptureIndex(options.capturePath) : undefined;
  }

  /** every hub event goes here: exchanges are kept, the rest feeds connections and frames */
  observe(e: CaptureEvent): void {
    this.connections.observe(e);
    const frames = this.frames.observe(e);
    if (e.type === 'exchange') this.append(e, frames ?? empty());
  }

  append(exchange: ExchangeEvent, frames: FrameSet = empty()): void {
    const newest = this.items[this.items.length - 1]?.exchange.id;
    if (newest !== undefined && exchange.id <= newest) {
      // ids only grow within a run; paging by id needs that (a capture --append'ed from two runs)
      this.outOfOrder++;
      return;
    }
    const size = approxSize(exchange) + frameBytes(frames);
    const s: Stored = { exchange, frames, size };
    this.items.push(s);
    this.bytes += size;
    this.total++;
    while (
      this.items.length - this.head > 1 &&
      (this.items.length - this.head > this.maxExchanges || this.bytes > this.maxBytes)
    ) {
      this.bytes -= this.items[this.head]!.size;
      this.items[this.head] = undefined as unknown as Stored;
      this.head++;
      this.evicted++;
    }
    if (this.head > 4096 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    for (const fn of this.listeners) fn(s);
  }

  /** called synchronously with each new exchange */
  subscribe(fn: Listener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Loads a capture file into the store (view FILE --ui): every event, then pages from it. */
  async load(): Promise<void> {
    await this.index?.refresh((e) => this.observe(e));
  }

  async get(id: number): Promise<Stored | undefined> {
    const i = this.find(id);
    if (i >= 0) return this.items[i];
    if (!this.index) return undefined;
    const hit = await this.index.get(id);
    if (!hit) return undefined;
    const c = new FrameCollector();
    for (const e of hit.before) c.observe(e);
    return { exchange: hit.exchange, frames: c.observe(hit.exchange) ?? empty(), size: 0 };
  }

  /** the newest `limit` matching exchanges below `before` (or above `after`), ascending */
  async page(q: PageQuery = {}): Promise<Page> {
    const limit = Math.max(1, Math.min(q.limit ?? 200, 5000));
    const match = q.match ?? (() => true);
    if (q.after !== undefined) return this.pageAfter(q.after, limit, match);
    const oldest = this.items[this.head]?.exchange.id;
    const before = q.before ?? Infinity;
    const found: ExchangeEvent[] = [];
    let i = this.find(before, true) - 1;
    for (; i >= this.head && found.length < limit; i--) {
      const x = this.items[i]!.exchange;
      if (match(x)) found.push(x);
    }
    found.reverse();
    const memoryDone = i < this.head;
    if (found.length >= limit || !memoryDone || this.evicted === 0) {
      const cursor = found[0]?.id ?? Math.min(before, oldest ?? before);
      return {
        items: found,
        more: !memoryDone || this.evicted > 0,
        cursor,
        source: 'memory',
        gone: false,
      };
    }
    // the window is exhausted: the rest is on disk, or gone
    const diskBefore = Math.min(before, oldest ?? before);
    if (!this.index) {
      return { items: found, more: false, cursor: diskBefore, source: 'memory', gone: true };
    }
    const disk = await this.index.page(diskBefore, limit - found.length, match);
    return {
      items: [...disk.items, ...found],
      more: disk.more,
      cursor: disk.more ? disk.cursor : (disk.items[0]?.id ?? diskBefore),
      source: 'disk',
      gone: false,
    };
  }

  stats(): StoreStats {
    const inMemory = this.items.length - this.head;
    return {
      total: this.total,
      inMemory,
      oldestInMemory: this.items[this.head]?.exchange.id,
      newest: this.items[this.items.length - 1]?.exchange.id,
      evicted: this.evicted,
      onDisk: this.index !== undefined,
      connections: this.connections.size,
      connectionsVersion: this.connections.version,
    };
  }

  connectionList(limit?: number): ConnectionRow[] {
    return this.connections.list(limit);
  }

  /** every exchange in memory, oldest first (for the digest and tests) */
  *inMemory(): Generator<ExchangeEvent> {
    for (let i = this.head; i < this.items.length; i++) yield this.items[i]!.exchange;
  }

  private pageAfter(after: number, limit: number, match: (x: ExchangeEvent) => boolean): Page {
    const out: ExchangeEvent[] = [];
    let i = this.find(after + 1, true);
    for (; i < this.items.length && out.length < limit; i++) {
      const x = this.items[i]!.exchange;
      if (match(x)) out.push(x);
    }
    const oldest = this.items[this.head]?.exchange.id ?? after;
    return {
      items: out,
      more: i < this.items.length,
      cursor: out[out.length - 1]?.id ?? after,
      source: 'memory',
      gone: after + 1 < oldest && this.evicted > 0,
    };
  }

  /** index of `id` in items, or -1; with `lowerBound`, the first index whose id >= id */
  private find(id: number, lowerBound = false): number {
    let lo = this.head;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.items[mid]!.exchange.id < id) lo = mid + 1;
      else hi = mid;
    }
    if (lowerBound) return lo;
    return lo < this.items.length && this.items[lo]!.exchange.id === id ? lo : -1;
  }
}

/** rough bytes of an exchange in memory (UTF-16 strings, object overhead) */
function approxSize(x: ExchangeEvent): number {
  return 200 + JSON.stringify(x).length * 2;
}
