// PostgreSQL's reads over one message body: big-endian integers and NUL-terminated strings, on
// the shared never-throw reader (wire-reader.ts), so a short or corrupt body yields a partial
// message, not a crash.

import { WireReader } from '../wire-reader.js';

export class Reader extends WireReader {
  protected override readonly unit = 'message';

  u8(): number {
    const at = this.at(1, 'int8');
    return at < 0 ? 0 : this.buf[at]!;
  }

  i16(): number {
    const at = this.at(2, 'int16');
    return at < 0 ? 0 : this.buf.readInt16BE(at);
  }

  i32(): number {
    const at = this.at(4, 'int32');
    return at < 0 ? 0 : this.buf.readInt32BE(at);
  }

  /** a NUL-terminated string; without a NUL, the rest (and `bad`) */
  cstring(): string {
    const end = this.buf.indexOf(0, this.pos);
    if (end === -1) {
      const s = this.buf.toString('utf8', this.pos);
      this.fail('a NUL-terminated string');
      return s;
    }
    const s = this.buf.toString('utf8', this.pos, end);
    this.pos = end + 1;
    return s;
  }
}
