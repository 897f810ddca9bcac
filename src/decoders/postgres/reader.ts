// A bounds-checked reader over one message body. It never throws: reading past the end returns
// zero / the rest and sets `bad`, so a short or corrupt body yields a partial message, not a crash.

export class Reader {
  pos = 0;
  bad = false;
  constructor(readonly buf: Buffer) {}

  get left(): number {
    return this.buf.length - this.pos;
  }

  u8(): number {
    if (this.left < 1) return this.fail();
    return this.buf[this.pos++]!;
  }

  i16(): number {
    if (this.left < 2) return this.fail();
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  i32(): number {
    if (this.left < 4) return this.fail();
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  /** a NUL-terminated string; without a NUL, the rest (and `bad`) */
  cstring(): string {
    const end = this.buf.indexOf(0, this.pos);
    if (end === -1) {
      const s = this.buf.toString('utf8', this.pos);
      this.pos = this.buf.length;
      this.bad = true;
      return s;
    }
    const s = this.buf.toString('utf8', this.pos, end);
    this.pos = end + 1;
    return s;
  }

  bytes(n: number): Buffer {
    const count = Math.max(0, Math.min(n, this.left));
    if (count < n) this.bad = true;
    const out = this.buf.subarray(this.pos, this.pos + count);
    this.pos += count;
    return out;
  }

  private fail(): number {
    this.bad = true;
    this.pos = this.buf.length;
    return 0;
  }
}

/** one line for the live view: whitespace collapsed, at most `max` characters */
export function oneLine(s: string, max = 300): string {
  const flat = s.replace(/\s+/g, ' ').trim();
  return flat.length > max ? flat.slice(0, max - 1) + '…' : flat;
}
