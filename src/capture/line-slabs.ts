// The capture's lines waiting for the disk. Small lines are copied into 64 KiB slabs and written
// together: one write per small line costs a thread-pool round trip each (research/performance.md
// point 5), which halved the request rate of redis-benchmark through looptap. Lines are built
// straight into the slab (no Buffer per line, no intermediate copy); a line too large for a slab
// is queued as its own Buffer. A slab is never written over once a line is in it, so other sinks
// may send those bytes as they are (line-memo.ts).

import type { DataEvent } from '../events.js';
import { base64Into, dataHead, toLine } from './line-format.js';
import { keepDataLine } from './line-memo.js';

const SLAB = 64 * 1024;
const SMALL_LINE = 8 * 1024;
/** data chunks up to this size are base64-encoded straight into the slab (see base64Into) */
const SMALL_B64 = 512;

export class LineSlabs {
  /** sealed buffers, oldest first */
  bufs: Buffer[] = [];
  /** events in each of `bufs`, to count what a failed disk loses */
  counts: number[] = [];
  private slab?: Buffer;
  private pos = 0;
  private events = 0;

  /** appends one line of text; returns the bytes it took */
  text(line: string): number {
    let max = line.length * 3;
    if (max > SMALL_LINE) {
      max = Buffer.byteLength(line, 'utf8');
      if (max > SMALL_LINE) return this.big(Buffer.from(line, 'utf8'));
    }
    const slab = this.room(max);
    const n = slab.write(line, this.pos, 'utf8');
    this.pos += n;
    this.events++;
    return n;
  }

  /** appends a line another sink already made */
  bytes(line: Buffer): number {
    if (line.length > SMALL_LINE) return this.big(line);
    line.copy(this.room(line.length), this.pos);
    this.pos += line.length;
    this.events++;
    return line.length;
  }

  /** appends the format-1 line of a data event (payload inline as base64) */
  data(e: DataEvent): number {
    const head = dataHead(e);
    const n = e.bytes.length;
    // UTF-8 takes at most 3 bytes per UTF-16 unit of the head (non-ASCII only in a route name)
    const max = head.length * 3 + 4 * Math.ceil(n / 3) + 3;
    if (max > SMALL_LINE) {
      const line = toLine(e);
      keepDataLine(e, line);
      return this.big(line);
    }
    const slab = this.room(max);
    const start = this.pos;
    let pos = start + slab.write(head, start, 'utf8');
    if (n <= SMALL_B64) pos = base64Into(e.bytes, slab, pos);
    else pos += slab.write(e.bytes.toString('base64'), pos, 'latin1');
    slab[pos] = 0x22; // "}\n
    slab[pos + 1] = 0x7d;
    slab[pos + 2] = 0x0a;
    pos += 3;
    keepDataLine(e, slab, start, pos);
    this.pos = pos;
    this.events++;
    return pos - start;
  }

  /** moves the slab being filled into `bufs` */
  seal(): void {
    if (this.slab && this.pos > 0) {
      this.bufs.push(this.slab.subarray(0, this.pos));
      this.counts.push(this.events);
    }
    this.slab = undefined;
    this.pos = 0;
    this.events = 0;
  }

  /** everything sealed so far, for one write */
  take(): Buffer[] {
    const bufs = this.bufs;
    this.bufs = [];
    this.counts = [];
    return bufs;
  }

  /** throws away what waits (the disk failed); returns how many events that was */
  drop(): number {
    this.seal();
    const n = this.counts.reduce((a, b) => a + b, 0);
    this.take();
    return n;
  }

  private big(line: Buffer): number {
    this.seal();
    this.bufs.push(line);
    this.counts.push(1);
    return line.length;
  }

  /** the slab to write the next `n` bytes into (a fresh one when the current one is too full) */
  private room(n: number): Buffer {
    if (!this.slab || this.pos + n > this.slab.length) {
      this.seal();
      this.slab = Buffer.allocUnsafe(SLAB);
    }
    return this.slab;
  }
}
