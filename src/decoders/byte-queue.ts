// Bytes waiting to be framed, kept as a list of chunks with a read cursor: appending never copies,
// and a frame is copied out only when it is taken. Concatenating on every chunk would be O(n^2)
// on a large message (pg-protocol's mergeBuffer has the same aim). `offset` is the absolute
// position, in its direction, of the first byte still queued, so decoders can report masks.

export class ByteQueue {
  private chunks: Buffer[] = [];
  /** read position inside chunks[0] */
  private head = 0;
  private size = 0;
  /** absolute offset of the next unread byte */
  offset = 0;

  get length(): number {
    return this.size;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.size += chunk.length;
  }

  /** byte at position i from the read cursor, or -1 */
  at(i: number): number {
    if (i < 0 || i >= this.size) return -1;
    let pos = this.head + i;
    for (const c of this.chunks) {
      if (pos < c.length) return c[pos]!;
      pos -= c.length;
    }
    return -1;
  }

  /** a copy (or a view, when it lies in one chunk) of n bytes from position `from`, not consumed */
  peek(n: number, from = 0): Buffer {
    const count = Math.max(0, Math.min(n, this.size - from));
    if (count === 0) return Buffer.alloc(0);
    let pos = this.head + from;
    let i = 0;
    while (i < this.chunks.length && pos >= this.chunks[i]!.length) {
      pos -= this.chunks[i]!.length;
      i++;
    }
    const first = this.chunks[i]!;
    if (pos + count <= first.length) return first.subarray(pos, pos + count);
    const out = Buffer.allocUnsafe(count);
    let written = 0;
    while (written < count) {
      const c = this.chunks[i++]!;
      const n2 = Math.min(c.length - pos, count - written);
      c.copy(out, written, pos, pos + n2);
      written += n2;
      pos = 0;
    }
    return out;
  }

  /** consume n bytes and return them (a copy when they span chunks) */
  take(n: number): Buffer {
    const out = this.peek(n);
    this.skip(out.length);
    // a view into a retained chunk would pin it; decoders keep messages, so copy small views
    return out;
  }

  /** consume n bytes without returning them; returns how many were dropped */
  skip(n: number): number {
    let left = Math.max(0, Math.min(n, this.size));
    const dropped = left;
    while (left > 0) {
      const c = this.chunks[0]!;
      const avail = c.length - this.head;
      if (left < avail) {
        this.head += left;
        left = 0;
      } else {
        left -= avail;
        this.chunks.shift();
        this.head = 0;
      }
    }
    this.size -= dropped;
    this.offset += dropped;
    return dropped;
  }

  /** position of `byte` at or after `from`, or -1; scans at most `limit` bytes */
  indexOf(byte: number, from = 0, limit = Infinity): number {
    let pos = 0;
    const stop = Math.min(this.size, from + limit);
    let skipInChunk = this.head;
    for (const c of this.chunks) {
      const start = skipInChunk;
      skipInChunk = 0;
      const len = c.length - start;
      if (pos + len <= from) {
        pos += len;
        continue;
      }
      const localFrom = start + Math.max(0, from - pos);
      const localStop = start + Math.min(len, stop - pos);
      const idx = c.indexOf(byte, localFrom);
      if (idx !== -1 && idx < localStop) return pos + (idx - start);
      pos += len;
      if (pos >= stop) break;
    }
    return -1;
  }

  clear(): void {
    this.offset += this.size;
    this.chunks = [];
    this.head = 0;
    this.size = 0;
  }
}
