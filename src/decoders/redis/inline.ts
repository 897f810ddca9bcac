// Inline commands: one line up to LF (a CR before it is dropped), split the way Redis's
// sdssplitargs does: blanks separate arguments, "double quotes" take \n \r \t \b \a \xHH escapes,
// 'single quotes' take \'. The tokenizer is resumable, so a line arriving one byte at a time is
// scanned once, and a secret argument is masked from its first byte (end Infinity) until the
// argument ends, then the same start is sent again with the real end.

import type { ByteQueue } from '../byte-queue.js';
import { CommandBuilder, type ParsedCommand } from './command-args.js';
import { isRuleSecret, type SecretKind } from './secrets.js';

const LF = 0x0a;
const CR = 0x0d;
const DQ = 0x22;
const SQ = 0x27;
const BS = 0x5c;
/** Redis's PROTO_INLINE_MAX_SIZE */
export const INLINE_MAX = 64 * 1024;

const enum S {
  Between,
  Plain,
  Dq,
  DqEsc,
  DqHex1,
  DqHex2,
  Sq,
  SqEsc,
  Closed,
}

function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

function hexVal(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}

const DQ_ESC: Record<number, number> = {
  0x6e: 0x0a,
  0x72: 0x0d,
  0x74: 0x09,
  0x62: 0x08,
  0x61: 0x07,
};

export class InlineReader {
  failed: string | undefined;
  /** bytes of the current line already tokenized */
  private scanned = 0;
  private state = S.Between;
  private cmd: CommandBuilder | undefined;
  /** the argument being read: kept bytes, its size, secret decision and start offset */
  private tok: number[] = [];
  private tokSize = 0;
  private tokKeep = 0;
  private tokStart = 0;
  private tokSecret: SecretKind = 'no';
  private hex = 0;
  private bad = false;

  constructor(
    private readonly q: ByteQueue,
    private readonly maxValue: number,
    private readonly redact: boolean,
    private readonly onMask: (start: number, end: number) => void,
    private readonly keepRaw = false,
  ) {}

  get idle(): boolean {
    return this.scanned === 0;
  }

  next(time: number): ParsedCommand | undefined {
    const q = this.q;
    this.cmd ??= new CommandBuilder(undefined, this.maxValue, this.redact, time, this.keepRaw);
    const idx = q.indexOf(LF, this.scanned);
    if (idx < 0) {
      // hold back a trailing CR: it is dropped if LF follows
      const end = q.at(q.length - 1) === CR ? q.length - 1 : q.length;
      this.scan(end);
      if (q.length > INLINE_MAX) this.failed = 'inline command longer than 64 KiB';
      return undefined;
    }
    const end = idx > 0 && q.at(idx - 1) === CR ? idx - 1 : idx;
    this.scan(end);
    this.endToken(q.offset + end);
    const cmd = this.cmd;
    const unbalanced = this.bad || this.state !== S.Between;
    q.skip(idx + 1);
    this.scanned = 0;
    this.state = S.Between;
    this.bad = false;
    this.cmd = undefined;
    if (unbalanced) {
      this.failed = 'unbalanced quotes in an inline Redis command';
      return undefined;
    }
    return cmd.build();
  }

  private scan(end: number): void {
    if (end <= this.scanned) return;
    const base = this.q.offset + this.scanned;
    const bytes = this.q.peek(end - this.scanned, this.scanned);
    for (let i = 0; i < bytes.length; i++) this.byte(bytes[i]!, base + i);
    this.scanned = end;
  }

  private byte(c: number, at: number): void {
    switch (this.state) {
      case S.Between:
        if (isSpace(c)) return;
        this.startToken(at);
        if (c === DQ) this.state = S.Dq;
        else if (c === SQ) this.state = S.Sq;
        else {
          this.state = S.Plain;
          this.push(c);
        }
        return;
      case S.Plain:
        if (isSpace(c)) this.endToken(at);
        else if (c === DQ) this.state = S.Dq;
        else if (c === SQ) this.state = S.Sq;
        else this.push(c);
        return;
      case S.Dq:
        if (c === BS) this.state = S.DqEsc;
        else if (c === DQ) this.state = S.Closed;
        else this.push(c);
        return;
      case S.DqEsc:
        if (c === 0x78) this.state = S.DqHex1;
        else {
          this.push(DQ_ESC[c] ?? c);
          this.state = S.Dq;
        }
        return;
      case S.DqHex1:
        this.hex = hexVal(c);
        this.state = S.DqHex2;
        if (this.hex < 0) this.bad = true;
        return;
      case S.DqHex2: {
        const v = hexVal(c);
        if (v < 0) this.bad = true;
        this.push((this.hex << 4) | (v & 15));
        this.state = S.Dq;
        return;
      }
      case S.Sq:
        if (c === BS) this.state = S.SqEsc;
        else if (c === SQ) this.state = S.Closed;
        else this.push(c);
        return;
      case S.SqEsc:
        if (c !== SQ) this.push(BS);
        this.push(c);
        this.state = S.Sq;
        return;
      case S.Closed:
        // a closing quote must be followed by a blank (sdssplitargs)
        if (isSpace(c)) this.endToken(at);
        else {
          this.bad = true;
          this.state = S.Plain;
        }
        return;
    }
  }

  private startToken(at: number): void {
    this.tok = [];
    this.tokSize = 0;
    this.tokStart = at;
    this.tokSecret = this.cmd!.classify();
    this.tokKeep = this.tokSecret === 'yes' ? 0 : this.cmd!.room;
    if (this.tokSecret === 'yes') this.onMask(at, Infinity);
  }

  private push(c: number): void {
    if (this.tokSecret === 'rule') {
      this.tokSecret = isRuleSecret(c, this.keepRaw) ? 'yes' : 'no';
      if (this.tokSecret === 'yes') {
        this.onMask(this.tokStart, Infinity);
        this.tok = [];
        this.tokKeep = 0;
      }
    }
    this.tokSize++;
    if (this.tok.length < this.tokKeep) this.tok.push(c);
  }

  /** the argument (if any) ends at absolute offset `at` */
  private endToken(at: number): void {
    if (this.state === S.Between) return;
    if (this.state !== S.Plain && this.state !== S.Closed) return; // unbalanced: reported by next()
    this.state = S.Between;
    const secret = this.tokSecret === 'yes';
    if (secret) this.onMask(this.tokStart, at);
    this.cmd!.keepable(this.tok.length);
    this.cmd!.add(Buffer.from(this.tok), this.tokSize, secret);
  }
}
