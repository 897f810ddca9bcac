// MySQL's reads over one packet payload: little-endian integers, length-encoded integers and
// strings, NUL-terminated bytes, on the shared never-throw reader (wire-reader.ts), so that a
// parser reads straight on and decides once what a cut packet costs: the decoder falls back with
// the reader's `why` where the protocol needs the fields (handshake, command, OK/ERR counts); a
// row shows the values read before the cut (then `…`); cut parameters and trailers are left out.

import { WireReader } from '../wire-reader.js';

export type { Unread } from '../wire-reader.js';
export { unread } from '../wire-reader.js';

export class Reader extends WireReader {
  u8(): number {
    const at = this.at(1, 'int<1>');
    return at < 0 ? 0 : this.buf[at]!;
  }

  u16(): number {
    const at = this.at(2, 'int<2>');
    return at < 0 ? 0 : this.buf.readUInt16LE(at);
  }

  u24(): number {
    const at = this.at(3, 'int<3>');
    return at < 0 ? 0 : this.buf.readUIntLE(at, 3);
  }

  u32(): number {
    const at = this.at(4, 'int<4>');
    return at < 0 ? 0 : this.buf.readUInt32LE(at);
  }

  u64(): bigint {
    const at = this.at(8, 'int<8>');
    return at < 0 ? 0n : this.buf.readBigUInt64LE(at);
  }

  f32(): number {
    const at = this.at(4, '4 bytes');
    return at < 0 ? 0 : this.buf.readFloatLE(at);
  }

  f64(): number {
    const at = this.at(8, '8 bytes');
    return at < 0 ? 0 : this.buf.readDoubleLE(at);
  }

  /** length-encoded integer; 0xfb (NULL) gives null. Values past 2^53 lose precision. */
  lenencOrNull(): number | null {
    const b = this.u8();
    if (b < 0xfb) return b;
    if (b === 0xfb) return null;
    if (b === 0xfc) return this.u16();
    if (b === 0xfd) return this.u24();
    if (b === 0xfe) return Number(this.u64());
    return this.fail('lenenc int (0xff)');
  }

  /** a length-encoded integer where NULL is not allowed (NULL fails the reader) */
  lenenc(): number {
    const v = this.lenencOrNull();
    return v === null ? this.fail('lenenc int (NULL)') : v;
  }

  /** NUL-terminated bytes; a missing NUL takes the rest (and is no failure) */
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

  /** a reader of a length-encoded string's bytes, failing this one with it */
  lenencNested(): Reader {
    return this.nested(this.lenenc());
  }
}

/** text of at most `max` bytes (utf8); `truncated` when cut */
export function text(buf: Buffer, max: number): { value: string; truncated: boolean } {
  if (buf.length <= max) return { value: buf.toString('utf8'), truncated: false };
  return { value: buf.subarray(0, max).toString('utf8'), truncated: true };
}
