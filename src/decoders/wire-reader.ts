// The one byte reader of the binary decoders (PostgreSQL big-endian, MySQL little-endian), with
// one failure rule: a read never throws. Reading past the end gives zero / the bytes there are,
// moves to the end, sets `bad` and keeps in `why` what the first failed read wanted. A parser
// stays short and linear, checks `bad` where a wrong value would do harm (a loop bounded by a
// count from the wire, a value about to be shown, state about to change) and says `why` to the
// decoder, which falls back. A reader nested in another (`nested`) fails its parent with it.

export class WireReader {
  pos = 0;
  bad = false;
  /** what the first failed read wanted, e.g. "packet too short for int<2>" */
  why: string | undefined;
  /** what the protocol calls one body, for `why` */
  protected readonly unit: string = 'packet';

  constructor(
    readonly buf: Buffer,
    private readonly parent?: WireReader,
  ) {
    if (parent?.bad) this.fail('');
  }

  get left(): number {
    return this.buf.length - this.pos;
  }

  /** marks the reader (and the one it is nested in) failed, at the end; 0 for the read's value */
  fail(what: string): 0 {
    if (!this.bad) {
      this.bad = true;
      this.why = this.parent?.why ?? `${this.unit} too short for ${what}`;
    }
    this.pos = this.buf.length;
    if (this.parent && !this.parent.bad) this.parent.fail(what);
    return 0;
  }

  /** where the next n bytes start, moving past them; -1 (and a failure) when they are not there.
   * A plain position, not a callback: the integer reads run per field on the hot path. */
  protected at(n: number, what: string): number {
    if (this.left < n) {
      this.fail(what);
      return -1;
    }
    const at = this.pos;
    this.pos += n;
    return at;
  }

  /** n bytes; when fewer are left, those (and `bad`) */
  bytes(n: number): Buffer {
    if (n > this.left) {
      const out = this.buf.subarray(this.pos);
      this.fail(`${n} bytes`);
      return out;
    }
    const count = Math.max(0, n);
    const out = this.buf.subarray(this.pos, this.pos + count);
    this.pos += count;
    return out;
  }

  /** up to n bytes: fewer when the (truncated) body ends first */
  upTo(n: number): Buffer {
    return this.bytes(Math.min(n, this.left));
  }

  rest(): Buffer {
    const out = this.buf.subarray(this.pos);
    this.pos = this.buf.length;
    return out;
  }

  /** a reader of the next n bytes whose failed reads fail this one too (born failed when the
   * n bytes are not there) */
  nested(n: number): this {
    const Made = this.constructor as new (buf: Buffer, parent: WireReader) => this;
    return new Made(this.bytes(n), this);
  }
}

/** a parse that could not finish: the reader's `why` */
export interface Unread {
  why: string;
}

/** the reader's failure as a parse result, or undefined while it read well */
export function unread(r: WireReader): Unread | undefined {
  return r.why !== undefined ? { why: r.why } : undefined;
}
