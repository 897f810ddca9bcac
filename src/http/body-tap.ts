// Bounded body capture: watches a stream's 'data' events (it never consumes or changes them, so
// the proxy's own pipe and its backpressure stay as they are) and keeps at most `max` bytes plus
// the real length. Memory per exchange is therefore `max` whatever the body size.

import type { Readable } from 'node:stream';

export class BodyTap {
  private parts: Buffer[] = [];
  private kept = 0;
  /** every byte seen, kept or not */
  length = 0;
  /** 'end' was seen: the body is complete */
  done = false;
  private onChunk?: (chunk: Buffer) => void;

  constructor(private readonly max: number) {}

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
    if (this.kept < this.max) {
      // a copy of the slice we keep, so the socket's buffer is not pinned by a small view
      const take = chunk.subarray(0, this.max - this.kept);
      this.parts.push(take.length === chunk.length ? chunk : Buffer.from(take));
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
