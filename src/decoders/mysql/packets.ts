// MySQL framing, per direction.
//
//   raw bytes ──▶ [Decompressor, once CLIENT_COMPRESS is on] ──▶ PacketFramer ──▶ logical packets
//
// A frame is `int<3> length | int<1> seq | payload`; a frame of exactly 0xffffff bytes continues in
// the next one, so one logical packet may span many frames. The framer never holds a whole packet:
// when a packet starts, the decoder (through `plan`) says how many leading bytes it wants, and the
// rest is skipped by length. Compressed frames (`int<3> comp_len | int<1> seq | int<3> uncomp_len`)
// are unwrapped into a second queue: stored frames (uncomp_len 0) stream through, zlib frames are
// inflated whole (comp_len is at most 16 MiB by format, output capped at uncomp_len).

import zlib from 'node:zlib';
import { ByteQueue } from '../byte-queue.js';

export const MAX_FRAME = 0xffffff;

export interface Packet {
  seq: number;
  /** the first `keep` bytes of the payload (see PacketFramer.next) */
  data: Buffer;
  /** full payload length, summed over continuation frames */
  length: number;
  /** data holds less than the whole payload */
  truncated: boolean;
  /** offsets of the first payload byte and of the end of the last frame, in the framer's queue */
  start: number;
  end: number;
  /** time of the push that brought the packet's first bytes */
  time: number;
}

/** Called once per packet when its first payload byte is known (-1 for an empty packet);
 * `frameLen` is the first frame's length (MAX_FRAME means more frames follow). Returns how many
 * payload bytes to keep. */
export type Plan = (seq: number, firstByte: number, frameLen: number, start: number) => number;

export class PacketFramer {
  q = new ByteQueue();
  private qTime = 0;
  private active = false;
  private needHeader = true;
  private planned = false;
  private seq = 0;
  private frameLeft = 0;
  private frameLen = 0;
  private firstFrameLen = 0;
  private total = 0;
  private start = 0;
  private time = 0;
  private keep = 0;
  private kept: Buffer[] = [];
  private keptLen = 0;

  push(chunk: Buffer, time: number): void {
    if (this.q.length === 0) this.qTime = time;
    this.q.push(chunk);
  }

  /** at a packet boundary (nothing half-read) */
  get idle(): boolean {
    return !this.active;
  }

  /** bytes kept so far of the packet being read (after its plan), or undefined */
  partial(): Buffer | undefined {
    if (!this.active || !this.planned) return undefined;
    return this.kept.length === 1 ? this.kept[0]! : Buffer.concat(this.kept, this.keptLen);
  }

  get partialLength(): number {
    return this.active && this.planned ? this.keptLen : 0;
  }

  /** the next complete packet, or undefined when more bytes are needed */
  next(plan: Plan): Packet | undefined {
    const q = this.q;
    for (;;) {
      if (this.needHeader) {
        if (q.length < 4) return undefined;
        const h = q.peek(4);
        const len = h.readUIntLE(0, 3);
        if (!this.active) {
          this.active = true;
          this.seq = h[3]!;
          this.total = 0;
          this.planned = false;
          this.firstFrameLen = len;
          this.time = this.qTime;
          this.start = q.offset + 4;
        }
        q.skip(4);
        this.frameLen = len;
        this.frameLeft = len;
        this.needHeader = false;
      }
      if (!this.planned) {
        if (this.firstFrameLen > 0 && q.length === 0) return undefined;
        const first = this.firstFrameLen > 0 ? q.at(0) : -1;
        this.keep = Math.max(0, plan(this.seq, first, this.firstFrameLen, this.start));
        this.planned = true;
      }
      const n = Math.min(this.frameLeft, q.length);
      const want = Math.min(n, this.keep - this.keptLen);
      if (want > 0) {
        this.kept.push(q.take(want));
        this.keptLen += want;
      }
      q.skip(n - Math.max(0, want));
      this.frameLeft -= n;
      this.total += n;
      if (this.frameLeft > 0) return undefined;
      this.needHeader = true;
      if (this.frameLen === MAX_FRAME) continue;
      const data = this.kept.length === 1 ? this.kept[0]! : Buffer.concat(this.kept, this.keptLen);
      const packet: Packet = {
        seq: this.seq,
        data,
        length: this.total,
        truncated: this.keptLen < this.total,
        start: this.start,
        end: q.offset,
        time: this.time,
      };
      this.kept = [];
      this.keptLen = 0;
      this.active = false;
      return packet;
    }
  }
}

/** a plan that keeps every byte: for whole recorded streams and replay's answers */
export const KEEP_ALL: Plan = () => Number.MAX_SAFE_INTEGER;

/** every whole packet of one direction's bytes; a packet they end inside is left out */
export function wholePackets(bytes: Buffer): Packet[] {
  const f = new PacketFramer();
  f.push(bytes, 0);
  const out: Packet[] = [];
  for (let p = f.next(KEEP_ALL); p; p = f.next(KEEP_ALL)) out.push(p);
  return out;
}

/** payload offset k of a packet starting at `start` -> offset in the framed stream */
export function framedOffset(start: number, k: number): number {
  return start + k + 4 * Math.floor(k / MAX_FRAME);
}

export interface CompressedFrame {
  /** range in the decompressed stream */
  uStart: number;
  uEnd: number;
  /** range of the frame's body in the raw stream */
  rawStart: number;
  rawEnd: number;
  stored: boolean;
}

const MAX_FRAMES_KEPT = 4096;

/** Unwraps compressed frames from `raw` into `out`. Returns an error reason, 'zstd', or undefined. */
export class Decompressor {
  readonly raw: ByteQueue;
  /** frames that may still hold bytes of packets not yet completed (for masks) */
  frames: CompressedFrame[] = [];
  private hdr: { compLen: number; uncompLen: number; rawStart: number } | undefined;
  private storedLeft = 0;
  private produced = 0;

  constructor(raw: ByteQueue) {
    this.raw = raw;
  }

  pump(out: PacketFramer, time: number): string | undefined {
    const raw = this.raw;
    for (;;) {
      if (this.storedLeft > 0) {
        const n = Math.min(this.storedLeft, raw.length);
        if (n === 0) return undefined;
        out.push(raw.take(n), time);
        this.storedLeft -= n;
        if (this.storedLeft > 0) return undefined;
        this.hdr = undefined;
        continue;
      }
      if (!this.hdr) {
        if (raw.length < 7) return undefined;
        const h = raw.peek(7);
        raw.skip(7);
        this.hdr = {
          compLen: h.readUIntLE(0, 3),
          uncompLen: h.readUIntLE(4, 3),
          rawStart: raw.offset,
        };
        if (this.hdr.uncompLen === 0) {
          this.record(this.hdr.rawStart, this.hdr.compLen, true);
          this.storedLeft = this.hdr.compLen;
          if (this.storedLeft === 0) this.hdr = undefined;
          continue;
        }
      }
      const { compLen, uncompLen } = this.hdr;
      if (raw.length >= 4 && raw.peek(4).equals(ZSTD_MAGIC)) return 'zstd';
      if (raw.length < compLen) return undefined;
      const body = raw.take(compLen);
      let plain: Buffer;
      try {
        plain = zlib.inflateSync(body, { maxOutputLength: uncompLen });
      } catch {
        return 'bad zlib data in a compressed frame';
      }
      if (plain.length !== uncompLen) return 'compressed frame length mismatch';
      this.record(this.hdr.rawStart, compLen, false, uncompLen);
      out.push(plain, time);
      this.hdr = undefined;
    }
  }

  private record(rawStart: number, compLen: number, stored: boolean, uncompLen = compLen): void {
    const frame = {
      uStart: this.produced,
      uEnd: this.produced + uncompLen,
      rawStart,
      rawEnd: rawStart + compLen,
      stored,
    };
    this.produced += uncompLen;
    if (this.frames.length < MAX_FRAMES_KEPT) this.frames.push(frame);
  }

  /** forget frames that end before `u` (a packet boundary) */
  prune(u: number): void {
    let i = 0;
    while (i < this.frames.length && this.frames[i]!.uEnd <= u) i++;
    if (i > 0) this.frames.splice(0, i);
  }

  /** raw ranges that hold the decompressed range [uStart, uEnd) */
  rawRanges(uStart: number, uEnd: number): { start: number; end: number }[] {
    const out: { start: number; end: number }[] = [];
    for (const f of this.frames) {
      if (f.uEnd <= uStart || f.uStart >= uEnd) continue;
      if (f.stored) {
        out.push({
          start: f.rawStart + Math.max(0, uStart - f.uStart),
          end: f.rawStart + (Math.min(uEnd, f.uEnd) - f.uStart),
        });
      } else {
        out.push({ start: f.rawStart, end: f.rawEnd });
      }
    }
    return out;
  }
}

const ZSTD_MAGIC = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);
