// Framing of one direction of a PostgreSQL connection, incrementally and without concatenating
// chunks. Three modes: `untyped` (startup phase: Int32 len | Int32 code | body), `typed`
// (Byte1 type | Int32 len | body) and `byte` (the server's bare 'S'/'N'/'G' after SSLRequest or
// GSSENCRequest). A header is reported as soon as it is complete (so secrets can be masked before
// their bytes arrive); the body is kept only up to `frame.keep` bytes and the rest skipped.
//
//   push(chunk, time) ─▶ ByteQueue ─▶ next(): head ─▶ (body kept ≤ keep, rest skipped) ─▶ frame

import { ByteQueue } from '../byte-queue.js';
import { BACKEND_TYPES, FRONTEND_TYPES, MAX_TYPED, MAX_UNTYPED } from './codes.js';

export type FrameMode = 'untyped' | 'typed' | 'byte' | 'raw';

export interface Frame {
  /** the type letter's char code; 0 for untyped messages */
  type: number;
  /** untyped only: the Int32 after the length (protocol version or request code) */
  code: number;
  /** body length (what follows the header) */
  len: number;
  /** absolute offset of the first header byte in this direction */
  start: number;
  /** absolute offset of the first body byte */
  bodyStart: number;
  /** arrival time of the first header byte */
  time: number;
  /** how many body bytes to keep; the caller may lower it after the head event */
  keep: number;
  /** set after the head event to have every body byte shown to `onBytes` (secret scan) */
  scan?: boolean;
}

export type FrameEvent =
  | { kind: 'head'; frame: Frame }
  | { kind: 'frame'; frame: Frame; body: Buffer; truncated: boolean }
  | { kind: 'byte'; byte: number; start: number; time: number }
  | { kind: 'error'; reason: string };

const EMPTY = Buffer.alloc(0);

export class Framer {
  readonly q = new ByteQueue();
  private readonly types: Set<number>;
  /** absolute end offset and arrival time of each queued chunk, oldest first */
  private ends: number[] = [];
  private times: number[] = [];
  private cur: Frame | null = null;
  private parts: Buffer[] = [];
  private kept = 0;
  private left = 0;
  /** sees the body bytes of frames marked `scan`, kept or skipped, with their offset */
  onBytes: ((bytes: Buffer, offset: number) => void) | null = null;

  constructor(
    readonly side: 'client' | 'server',
    public mode: FrameMode,
    private readonly keepLimit: number,
  ) {
    this.types = side === 'client' ? FRONTEND_TYPES : BACKEND_TYPES;
  }

  push(chunk: Buffer, time: number): void {
    if (chunk.length === 0) return;
    this.q.push(chunk);
    this.ends.push(this.q.offset + this.q.length);
    this.times.push(time);
  }

  /** the frame whose body is being read, if any */
  get current(): Frame | null {
    return this.cur;
  }

  /** body bytes kept so far of the current frame, from kept-offset `from` */
  keptFrom(from: number): Buffer {
    if (from >= this.kept) return EMPTY;
    const tail: Buffer[] = [];
    let pos = this.kept;
    // walk back from the newest part: the caller usually asks only for what just arrived
    for (let i = this.parts.length - 1; i >= 0 && pos > from; i--) {
      const p = this.parts[i]!;
      pos -= p.length;
      tail.unshift(pos < from ? p.subarray(from - pos) : p);
    }
    return tail.length === 1 ? tail[0]! : Buffer.concat(tail);
  }

  get keptLength(): number {
    return this.kept;
  }

  /** arrival time of the byte at the read cursor */
  private timeNow(): number {
    const off = this.q.offset;
    while (this.ends.length > 1 && this.ends[0]! <= off) {
      this.ends.shift();
      this.times.shift();
    }
    return this.times[0] ?? 0;
  }

  next(): FrameEvent | null {
    if (this.cur) return this.body(this.cur);
    const q = this.q;
    if (this.mode === 'raw' || q.length === 0) return null;
    if (this.mode === 'byte') {
      const b = q.at(0);
      // anything but S/N/G is an old server's typed ErrorResponse: frame it as such
      if (b === 0x53 || b === 0x4e || b === 0x47) {
        const start = q.offset;
        const time = this.timeNow();
        q.skip(1);
        this.mode = 'typed';
        return { kind: 'byte', byte: b, start, time };
      }
      this.mode = 'typed';
    }
    if (this.mode === 'untyped') {
      if (q.length < 8) return this.earlyCheck(q.length >= 4 ? this.u32(0) : -1, MAX_UNTYPED);
      const len = this.u32(0);
      if (len < 8 || len > MAX_UNTYPED)
        return { kind: 'error', reason: `bad startup length ${len}` };
      return this.begin(0, this.u32(4), 8, len - 8);
    }
    if (q.length < 5) {
      const t = q.at(0);
      if (!this.types.has(t))
        return { kind: 'error', reason: `unknown ${this.side} type 0x${t.toString(16)}` };
      return null;
    }
    const type = q.at(0);
    if (!this.types.has(type)) {
      return { kind: 'error', reason: `unknown ${this.side} type 0x${type.toString(16)}` };
    }
    const len = this.u32(1);
    if (len < 4 || len > MAX_TYPED) {
      return { kind: 'error', reason: `bad length ${len} for type '${String.fromCharCode(type)}'` };
    }
    return this.begin(type, 0, 5, len - 4);
  }

  private earlyCheck(len: number, max: number): FrameEvent | null {
    if (len !== -1 && (len < 8 || len > max)) {
      return { kind: 'error', reason: `bad startup length ${len}` };
    }
    return null;
  }

  private begin(type: number, code: number, header: number, len: number): FrameEvent {
    const start = this.q.offset;
    const frame: Frame = {
      type,
      code,
      len,
      start,
      bodyStart: start + header,
      time: this.timeNow(),
      keep: Math.min(len, this.keepLimit),
    };
    this.q.skip(header);
    this.cur = frame;
    this.parts = [];
    this.kept = 0;
    this.left = len;
    return { kind: 'head', frame };
  }

  private body(frame: Frame): FrameEvent | null {
    const q = this.q;
    if (this.left > 0 && q.length > 0) {
      const keepMore = Math.max(0, frame.keep - this.kept);
      const n = Math.min(q.length, this.left);
      const k = Math.min(n, keepMore);
      const see = frame.scan && this.onBytes;
      if (k > 0) {
        const at = q.offset;
        const part = q.take(k);
        this.parts.push(part);
        this.kept += k;
        if (see) see(part, at);
      }
      if (n > k) {
        // bytes beyond the kept window: a view (or a chunk-sized copy) only for the scan
        if (see) see(q.peek(n - k), q.offset);
        q.skip(n - k);
      }
      this.left -= n;
    }
    if (this.left > 0) return null;
    const body =
      this.parts.length === 0
        ? EMPTY
        : this.parts.length === 1
          ? this.parts[0]!
          : Buffer.concat(this.parts);
    this.cur = null;
    this.parts = [];
    const truncated = this.kept < frame.len;
    this.kept = 0;
    return { kind: 'frame', frame, body, truncated };
  }

  private u32(at: number): number {
    const q = this.q;
    return ((q.at(at) << 24) | (q.at(at + 1) << 16) | (q.at(at + 2) << 8) | q.at(at + 3)) >>> 0;
  }
}
