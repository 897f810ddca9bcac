// Bounded body capture: watches a stream's 'data' events (it never consumes or changes them, so
// the proxy's own pipe and its backpressure stay as they are) and keeps at most `max` bytes plus
// the real length. Memory per exchange is therefore `max` whatever the body size.

import type { Readable } from 'node:stream';
import type { BodyScanner } from '../decoders/http/body-secrets.js';

const MASK_BYTE = 0x2a;

export class BodyTap {
  private parts: Buffer[] = [];
  private kept = 0;
  /** every byte seen, kept or not */
  length = 0;
  /** 'end' was seen: the body is complete */
  done = false;
  /** kept bytes masked by redaction */
  redacted = 0;
  private onChunk?: (chunk: Buffer) => void;

  /** `scanner`: the body's secret scanner (redaction on, JSON or form body); it masks the kept
   * copy only, never the chunk that the proxy forwards */
  constructor(
    private readonly max: number,
    private readonly scanner?: BodyScanner,
  ) {}

  /** starts watching `stream`; `onChunk` runs for every chunk (timers, SSE parsing), `onEnd`
   * once the body is complete (`done` is already true then). One listener per event: this runs
   * for every request and response, so no extra `once` wrappers. */
  watch(stream: Readable, onChunk?: (chunk: Buffer) => void, onEnd?: () => void): this {
    this.onChunk = onChunk;
    stream.on('data', (chunk: Buffer) => this.push(chunk));
    stream.on('end', () => {
      this.done = true;
      onEnd?.();
    });
    return this;
  }

  push(chunk: Buffer): void {
    this.length += chunk.length;
    const room = Math.max(0, this.max - this.kept);
    let masked: Buffer | undefined;
    // every byte is scanned, kept or not: a JSON key near the cap can own a value beyond it
    this.scanner?.feed(chunk, 0, chunk.length, (s, e) => {
      if (s >= room) return;
      masked ??= Buffer.from(chunk.subarray(0, room));
      masked.fill(MASK_BYTE, s, Math.min(e, room));
      this.redacted += Math.min(e, room) - s;
    });
    if (room > 0) {
      // a copy of the slice we keep, so the socket's buffer is not pinned by a small view
      const take = chunk.subarray(0, room);
      this.parts.push(masked ?? (take.length === chunk.length ? chunk : Buffer.from(take)));
      this.kept += take.length;
    }
    this.onChunk?.(chunk);
  }

  /** the kept bytes (at most `max`) */
  bytes(): Buffer {
    if (this.parts.length !== 1) {
      const one = Buffer.concat(this.parts);
      this.parts = [one];
    }
    return this.parts[0]!;
  }
}
