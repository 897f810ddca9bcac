// Paging exchanges from a capture file, for the ones the in-memory window no longer holds. A
// sparse index (the byte offset of every STEP-th exchange line) is built by scanning the file
// once, incrementally as it grows; a page is then read backwards segment by segment. Only
// complete lines are indexed (the capture writes in batches: the tail may be half a line).
// A page reads at most `budget` bytes and says where to go on, so one sparse filter over a huge
// file never stalls the server. A file that shrank (rotated) is indexed again from the start.

import fs from 'node:fs/promises';
import type { CaptureEvent, ExchangeEvent } from '../events.js';
import { fromLine } from '../capture/line-format.js';

const STEP = 256;
const CHUNK = 1 << 20;
const DEFAULT_BUDGET = 64 << 20;
const EXCHANGE_MARK = '"type":"exchange"';

export interface DiskPage {
  /** ascending by id */
  items: ExchangeEvent[];
  /** older matching exchanges may exist before `cursor` */
  more: boolean;
  /** where the next page starts (before this id) */
  cursor: number;
}

export class CaptureIndex {
  private ids: number[] = [];
  private offsets: number[] = [];
  private count = 0;
  private scanned = 0;
  private lastId = -1;
  private refreshing: Promise<void> | undefined;

  constructor(readonly path: string) {}

  /** indexes what was appended since the last call; `each` sees every event of the new part */
  refresh(each?: (e: CaptureEvent) => void): Promise<void> {
    this.refreshing ??= this.scanNew(each).finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  /** exchanges with id < before that match, newest `limit` of them */
  async page(
    before: number,
    limit: number,
    match: (x: ExchangeEvent) => boolean,
    budget = DEFAULT_BUDGET,
  ): Promise<DiskPage> {
    await this.refresh();
    let k = this.segmentBefore(before);
    const found: ExchangeEvent[] = [];
    let read = 0;
    let cursor = before;
    while (k >= 0 && found.length < limit && read < budget) {
      const start = this.offsets[k]!;
      const end = k + 1 < this.offsets.length ? this.offsets[k + 1]! : this.scanned;
      const inSegment: ExchangeEvent[] = [];
      await this.lines(start, end, (line) => {
        if (!line.includes(EXCHANGE_MARK)) return;
        const e = parse(line);
        if (e?.type === 'exchange' && e.id < cursor && match(e)) inSegment.push(e);
      });
      read += end - start;
      found.unshift(...inSegment);
      cursor = this.ids[k]!;
      k--;
    }
    const items = found.slice(Math.max(0, found.length - limit));
    const more = k >= 0 || found.length > limit;
    if (found.length > limit) cursor = items[0]!.id;
    return { items, more, cursor };
  }

  /** one exchange and the events of its connection since the segment start (for its frames) */
  async get(id: number): Promise<{ exchange: ExchangeEvent; before: CaptureEvent[] } | undefined> {
    await this.refresh();
    const k = this.segmentBefore(id + 1);
    if (k < 0) return undefined;
    const start = this.offsets[k]!;
    const end = k + 1 < this.offsets.length ? this.offsets[k + 1]! : this.scanned;
    const perConn = new Map<number, CaptureEvent[]>();
    let hit: { exchange: ExchangeEvent; before: CaptureEvent[] } | undefined;
    await this.lines(start, end, (line) => {
      if (hit) return;
      const e = parse(line);
      if (!e || !('conn' in e) || typeof e.conn !== 'number') return;
      let list = perConn.get(e.conn);
      if (!list) perConn.set(e.conn, (list = []));
      if (e.type === 'exchange') {
        if (e.id === id) hit = { exchange: e, before: list };
        else list.length = 0;
      } else if (list.length < 512) list.push(e);
    });
    return hit;
  }

  /** exchanges indexed so far */
  get size(): number {
    return this.count;
  }

  private segmentBefore(id: number): number {
    let lo = 0;
    let hi = this.ids.length - 1;
    let best = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.ids[mid]! < id) {
        best = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return best;
  }

  private async scanNew(each?: (e: CaptureEvent) => void): Promise<void> {
    let size: number;
    try {
      size = (await fs.stat(this.path)).size;
    } catch {
      return;
    }
    if (size < this.scanned) this.reset();
    if (size === this.scanned) return;
    const end = await this.lines(this.scanned, size, (line, offset) => {
      const isExchange = line.includes(EXCHANGE_MARK);
      if (!each && !isExchange) return;
      const e = parse(line);
      if (!e) return;
      each?.(e);
      if (e.type !== 'exchange' || e.id <= this.lastId) return;
      if (this.count % STEP === 0) {
        this.ids.push(e.id);
        this.offsets.push(offset);
      }
      this.count++;
      this.lastId = e.id;
    });
    this.scanned = end;
  }

  private reset(): void {
    this.ids = [];
    this.offsets = [];
    this.count = 0;
    this.scanned = 0;
    this.lastId = -1;
  }

  /** calls `fn` for each complete line in [start, end); returns the offset after the last one */
  private async lines(
    start: number,
    end: number,
    fn: (line: string, offset: number) => void,
  ): Promise<number> {
    const fh = await fs.open(this.path, 'r');
    try {
      const buf = Buffer.allocUnsafe(CHUNK);
      let carry: Buffer[] = [];
      let carryStart = start;
      let pos = start;
      while (pos < end) {
        const { bytesRead } = await fh.read(buf, 0, Math.min(CHUNK, end - pos), pos);
        if (bytesRead === 0) break;
        let from = 0;
        for (;;) {
          const nl = buf.indexOf(10, from);
          if (nl === -1 || nl >= bytesRead) break;
          const piece = buf.subarray(from, nl);
          const line = carry.length
            ? Buffer.concat([...carry, piece]).toString('utf8')
            : piece.toString('utf8');
          fn(line, carryStart);
          carry = [];
          from = nl + 1;
          carryStart = pos + from;
        }
        if (from < bytesRead) carry.push(Buffer.from(buf.subarray(from, bytesRead)));
        pos += bytesRead;
      }
      return carryStart;
    } finally {
      await fh.close();
    }
  }
}

function parse(line: string): CaptureEvent | undefined {
  if (line === '') return undefined;
  try {
    return fromLine(line);
  } catch {
    return undefined;
  }
}
