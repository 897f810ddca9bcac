// A streaming JSON tokenizer that finds the values of secret keys at any depth (`{"user":
// {"password": "..."}}`) in bytes fed in pieces of any size, chunked coding removed. It reports
// ranges inside each piece: a string value's characters (the quotes stay, so the text still
// reads as JSON), a number or literal whole, and every scalar inside an object or array that is
// the value of a secret key. Memory is bounded: one byte per nesting level up to MAX_DEPTH and
// one key of at most NAME_MAX bytes. Text that stops being JSON ends the scan (`dead`); several
// top-level values in a row (NDJSON, JSON lines) are read one after another.

import { NAME_MAX, type SecretNames } from './secret-names.js';
import type { OnRange } from './pair-scanner.js';

export const MAX_DEPTH = 4096;

const QUOTE = 0x22;
const BSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const OBJ_OPEN = 0x7b;
const OBJ_CLOSE = 0x7d;
const ARR_OPEN = 0x5b;
const ARR_CLOSE = 0x5d;
const OBJ = 1;
const ARR = 2;

const enum S {
  Value, // a value may start here (after '[', ':', ',' in an array, or at the top)
  KeyOrEnd, // after '{': a key or '}'
  Key, // inside a key string
  KeyEsc,
  Colon,
  After, // after a value: ',' or the container's end
  Str, // inside a string value
  StrEsc,
  Lit, // inside a number, true, false, null
}

function isWs(b: number): boolean {
  return b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
}

function isLit(b: number): boolean {
  // digits, sign, exponent, point, and the letters of true/false/null
  return (
    (b >= 0x30 && b <= 0x39) ||
    b === 0x2d ||
    b === 0x2b ||
    b === 0x2e ||
    (b >= 0x61 && b <= 0x7a) ||
    (b >= 0x41 && b <= 0x5a)
  );
}

export class JsonScanner {
  dead = false;
  private stack = new Uint8Array(64);
  private depth = 0;
  private state = S.Value;
  private key = '';
  private keyLong = false;
  /** the next value is the value of a secret key */
  private secretNext = false;
  /** depth at which a secret container was opened (0: none) */
  private secretFrom = 0;
  /** the scalar being read is masked */
  private masking = false;

  constructor(private readonly names: SecretNames) {}

  // one loop over every body byte with its state in locals: calls per byte would cost on the hot path
  // eslint-disable-next-line max-lines-per-function
  feed(buf: Buffer, from: number, to: number, onRange: OnRange): void {
    if (this.dead) return;
    let i = from;
    let maskStart = this.masking ? from : -1;
    const endMask = (at: number) => {
      if (maskStart >= 0 && at > maskStart) onRange(maskStart, at);
      maskStart = -1;
      this.masking = false;
    };
    while (i < to) {
      const b = buf[i]!;
      switch (this.state) {
        case S.Value:
        case S.KeyOrEnd:
          if (isWs(b)) break;
          if (this.state === S.KeyOrEnd) {
            if (b === QUOTE) {
              this.state = S.Key;
              this.key = '';
              this.keyLong = false;
              break;
            }
            if (b === OBJ_CLOSE) {
              this.close(OBJ);
              break;
            }
            return this.die();
          }
          if (b === ARR_CLOSE && this.top() === ARR) {
            // `[]`: an array that ends right away
            this.close(ARR);
            break;
          }
          this.startValue(b);
          if (this.dead) return;
          if (this.masking) maskStart = b === QUOTE ? i + 1 : i;
          break;
        case S.Key: {
          const start = i;
          while (i < to && buf[i] !== QUOTE && buf[i] !== BSLASH) i++;
          this.addKey(buf, start, i);
          if (i === to) return;
          if (buf[i] === BSLASH) {
            this.addKey(buf, i, i + 1);
            this.state = S.KeyEsc;
          } else {
            this.state = S.Colon;
            this.secretNext = this.secretFrom > 0 || this.isSecretKey();
          }
          break;
        }
        case S.KeyEsc:
          this.addKey(buf, i, i + 1);
          this.state = S.Key;
          break;
        case S.Colon:
          if (isWs(b)) break;
          if (b !== COLON) return this.die();
          this.state = S.Value;
          break;
        case S.Str: {
          while (i < to && buf[i] !== QUOTE && buf[i] !== BSLASH) i++;
          if (i === to) break;
          if (buf[i] === BSLASH) {
            this.state = S.StrEsc;
            break;
          }
          endMask(i);
          this.valueDone();
          break;
        }
        case S.StrEsc:
          this.state = S.Str;
          break;
        case S.Lit:
          if (isLit(b)) break;
          endMask(i);
          this.valueDone();
          continue; // this byte belongs to what follows the literal
        case S.After:
          if (isWs(b)) break;
          if (b === COMMA && this.depth > 0) {
            this.state = this.top() === OBJ ? S.KeyOrEnd : S.Value;
            break;
          }
          if (b === OBJ_CLOSE && this.top() === OBJ) this.close(OBJ);
          else if (b === ARR_CLOSE && this.top() === ARR) this.close(ARR);
          else if (this.depth === 0) {
            // the next top-level value of a JSON lines body
            this.state = S.Value;
            continue;
          } else return this.die();
          break;
      }
      i++;
    }
    if (maskStart >= 0 && to > maskStart) onRange(maskStart, to);
  }

  private startValue(b: number): void {
    const secret = this.secretNext || this.secretFrom > 0;
    this.secretNext = false;
    if (b === OBJ_OPEN || b === ARR_OPEN) {
      if (this.depth >= MAX_DEPTH) return this.die();
      if (this.depth === this.stack.length) {
        const bigger = new Uint8Array(Math.min(MAX_DEPTH, this.stack.length * 2));
        bigger.set(this.stack);
        this.stack = bigger;
      }
      this.stack[this.depth++] = b === OBJ_OPEN ? OBJ : ARR;
      if (secret && this.secretFrom === 0) this.secretFrom = this.depth;
      this.state = b === OBJ_OPEN ? S.KeyOrEnd : S.Value;
      return;
    }
    if (b === QUOTE) this.state = S.Str;
    else if (isLit(b)) this.state = S.Lit;
    else return this.die();
    this.masking = secret;
  }

  private valueDone(): void {
    this.state = this.depth === 0 ? S.Value : S.After;
  }

  private close(kind: number): void {
    if (this.depth === 0 || this.stack[this.depth - 1] !== kind) return this.die();
    if (this.secretFrom === this.depth) this.secretFrom = 0;
    this.depth--;
    this.valueDone();
  }

  private top(): number {
    return this.depth === 0 ? 0 : this.stack[this.depth - 1]!;
  }

  private addKey(buf: Buffer, start: number, end: number): void {
    if (this.keyLong || end === start) return;
    if (this.key.length + (end - start) > NAME_MAX * 6) {
      this.keyLong = true;
      return;
    }
    this.key += buf.toString('latin1', start, end);
  }

  private isSecretKey(): boolean {
    if (this.keyLong) return false;
    let name = this.key;
    if (name.includes('\\')) {
      try {
        name = JSON.parse(`"${name}"`) as string;
      } catch {
        // a bad escape: compare the raw text
      }
    }
    // keys are nearly always ASCII: skip the UTF-8 round trip (the name cache sees the string)
    // eslint-disable-next-line no-control-regex
    const ascii = !/[^\x00-\x7f]/.test(name);
    return this.names.field(ascii ? name : Buffer.from(name, 'latin1').toString('utf8'));
  }

  private die(): void {
    this.dead = true;
    this.masking = false;
  }
}
