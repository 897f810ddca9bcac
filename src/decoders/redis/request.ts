// The client's side of a Redis connection: commands as RESP multibulk (`*N` then N `$len`
// bulk strings) or inline lines (inline.ts). A secret argument's payload range is reported as a
// mask as soon as its `$len` header is read (ACL rules: as soon as their first byte is seen), so
// the proxy blanks it even when it arrives in later chunks. Bulk payloads beyond the display
// budget are skipped by length, never buffered.

import type { ByteQueue } from '../byte-queue.js';
import { CommandBuilder, type ParsedCommand } from './command-args.js';
import { BAD, HEADER_MAX, header, NEED_MORE, parseHeader } from './header.js';
import { InlineReader } from './inline.js';
import { MORE, NO_CRLF, bulkPayload } from './resp-bulk.js';
import { isRuleSecret, type SecretKind } from './secrets.js';

const CR = 0x0d;
const LF = 0x0a;
const STAR = 0x2a;
const DOLLAR = 0x24;
/** arguments up to this size are shown straight from the queue when they arrived whole */
const FAST_ARG = 4096;
/** Redis refuses more arguments than this (and longer bulks than 512 MB by default; we only skip) */
const MAX_ARGC = 1024 * 1024 * 1024;

interface Arg {
  size: number;
  left: number;
  keep: Buffer;
  kept: number;
  secret: SecretKind;
}

export class RequestReader {
  failed: string | undefined;
  private cmd: CommandBuilder | undefined;
  private argc = 0;
  private arg: Arg | undefined;
  private done: ParsedCommand | undefined;
  private readonly inline: InlineReader;
  /** time of the current command's first byte (set by the decoder) */
  startTime = 0;

  constructor(
    private readonly q: ByteQueue,
    private readonly maxValue: number,
    private readonly redact: boolean,
    private readonly onMask: (start: number, end: number) => void,
    /** reading a capture for replay: keep every argument's exact bytes in ParsedCommand.raw,
     * and take an ACL rule that redaction masked whole (`******`) for a secret */
    private readonly keepRaw = false,
  ) {
    this.inline = new InlineReader(q, maxValue, redact, onMask, keepRaw);
  }

  get idle(): boolean {
    return !this.cmd && this.inline.idle && this.q.length === 0;
  }

  /** the next complete command, or undefined when more bytes are needed (or failed) */
  next(): ParsedCommand | undefined {
    const q = this.q;
    while (!this.failed) {
      if (!this.cmd) {
        if (q.length === 0) return undefined;
        if (q.at(0) !== STAR || !this.inline.idle) {
          const c = this.inline.next(this.startTime);
          this.failed = this.inline.failed;
          if (!c) return undefined;
          if (c.argc > 0) return c;
          continue; // empty line: Redis ignores it
        }
        const n = this.line(STAR);
        if (n === undefined) return undefined;
        if (n > MAX_ARGC) this.failed = `Redis multibulk count too large (${n})`;
        else if (n > 0) {
          this.cmd = new CommandBuilder(
            n,
            this.maxValue,
            this.redact,
            this.startTime,
            this.keepRaw,
          );
          this.argc = n;
        } // *0 and *-1 are ignored by the server
        continue;
      }
      if (!this.arg) {
        const size = this.line(DOLLAR);
        if (size === undefined) return undefined;
        if (size < 0) {
          this.failed = 'Redis command argument with a negative length';
          return undefined;
        }
        let secret = this.cmd.classify();
        if (secret === 'yes' && size > 0) this.onMask(q.offset, q.offset + size);
        if (secret === 'rule' && size === 0) secret = 'no';
        if (secret === 'no' && size <= FAST_ARG && q.length >= size + 2) {
          // the whole argument is here: show it from a view of the queue, no copy
          const view = q.peek(size + 2);
          if (view[size] !== CR || view[size + 1] !== LF) {
            this.failed = 'Redis command argument without CRLF';
            return undefined;
          }
          q.skip(size + 2);
          const done = this.added(view.subarray(0, this.cmd.keepable(size)), size, false);
          if (done) return done;
          continue;
        }
        const keep = secret === 'yes' ? 0 : this.cmd.keepable(size);
        this.arg = { size, left: size, keep: Buffer.allocUnsafe(keep), kept: 0, secret };
      }
      if (!this.readArg(this.arg)) return undefined;
      const done = this.done;
      if (done) {
        this.done = undefined;
        return done;
      }
    }
    return undefined;
  }

  /** reads a `*N` or `$N` header line; undefined when incomplete or bad */
  private line(type: number): number | undefined {
    const q = this.q;
    if (q.length === 0) return undefined;
    const first = q.at(0);
    if (first !== type) {
      this.failed = `expected '${String.fromCharCode(type)}' in a Redis command, got 0x${first.toString(16)}`;
      return undefined;
    }
    const len = parseHeader(q);
    if (len === NEED_MORE) return undefined;
    if (len === BAD) {
      this.failed =
        q.length >= HEADER_MAX ? 'Redis command header line too long' : 'bad Redis command header';
      return undefined;
    }
    q.skip(len);
    return header.n;
  }

  private readArg(a: Arg): boolean {
    const q = this.q;
    if (a.secret === 'rule' && a.left > 0 && q.length > 0) {
      // an ACL rule is a secret when it starts with > < # !: decided on its first byte
      const secret = isRuleSecret(q.at(0), this.keepRaw);
      if (secret) {
        this.onMask(q.offset, q.offset + a.left);
        a.keep = Buffer.alloc(0);
      }
      a.secret = secret ? 'yes' : 'no';
    }
    const kept = bulkPayload(q, a);
    if (kept === MORE) return false;
    if (kept === NO_CRLF) {
      this.failed = 'Redis command argument without CRLF';
      return false;
    }
    this.arg = undefined;
    this.done = this.added(kept, a.size, a.secret === 'yes');
    return true;
  }

  /** records an argument; returns the command when it was the last one */
  private added(kept: Buffer, size: number, secret: boolean): ParsedCommand | undefined {
    const cmd = this.cmd!;
    cmd.add(kept, size, secret);
    if (--this.argc > 0) return undefined;
    this.cmd = undefined;
    return cmd.build();
  }
}
