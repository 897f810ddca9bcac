// A bounds-checked little-endian reader over one packet payload. Reading past the end throws
// `Short`, which the decoder turns into a fallback: packet parsers stay short and linear.

export class Short extends Error {
  constructor(what: string) {
    super(`packet too short for ${what}`);
  }
}

export class Reader {
  pos = 0;
  constructor(readonly buf: Buffer) {}

  get left(): number {
    return this.buf.length - this.pos;
  }

  private need(n: number, what: string): void {
    if (this.pos + n > this.buf.length) throw new Short(what);
  }

  u8(): number {
    this.need(1, 'int<1>');
    return this.buf[this.pos++]!;
  }

  u16(): number {
    this.need(2, 'int<2>');
    const v = this.buf.readUInt16LE(this.pos);
    this.pos += 2;
    return v;
  }

  u24(): number {
    this.need(3, 'int<3>');
    const v = this.buf.readUIntLE(this.pos, 3);
    this.pos += 3;
    return v;
  }

  u32(): number {
    this.need(4, 'int<4>');
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  u64(): bigint {
    this.need(8, 'int<8>');
    const v = this.buf.readBigUInt64LE(this.pos);
    this.pos += 8;
    return v;
  }

  /** length-encoded integer; 0xfb (NULL) gives null. Values past 2^53 lose precision. */
  lenencOrNull(): number | null {
    const b = this.u8();
    if (b < 0xfb) return b;
    if (b === 0xfb) return null;
    if (b === 0xfc) return this.u16();
    if (b === 0xfd) return this.u24();
    if (b === 0xfe) return Number(this.u64());
    throw new Short('lenenc int (0xff)');
  }

  lenenc(): number {
    const v = this.lenencOrNull();
    if (v === null) throw new Short('lenenc int (NULL)');
    return v;
  }

  bytes(n: number): Buffer {
    this.need(n, `${n} bytes`);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** up to n bytes: fewer when the (truncated) payload ends first */
  upTo(n: number): Buffer {
    return this.bytes(Math.min(n, this.left));
  }

  /** NUL-terminated bytes; a missing NUL takes the rest */
  cstring(): Buffer {
    const end = this.buf.indexOf(0, this.pos);
    const stop = end === -1 ? this.buf.length : end;
    const out = this.buf.subarray(this.pos, stop);
    this.pos = end === -1 ? stop : stop + 1;
    return out;
  }

  lenencBytes(): Buffer {
    return this.bytes(this.lenenc());
  }

  rest(): Buffer {
    const out = this.buf.subarray(this.pos);
    this.pos = this.buf.length;
    return out;
  }
}

/** text of at most `max` bytes (utf8); `truncated` when cut */
export function text(buf: Buffer, max: number): { value: string; truncated: boolean } {
  if (buf.length <= max) return { value: buf.toString('utf8'), truncated: false };
  return { value: buf.subarray(0, max).toString('utf8'), truncated: true };
}
