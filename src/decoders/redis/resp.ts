// An incremental, iterative RESP2/RESP3 value reader (the server's side of a Redis connection).
// It keeps a nesting stack instead of recursing, so `*1\r\n` nested without end costs no call
// stack (and stops at MAX_DEPTH); bulk strings keep at most the bytes the message may show and
// skip the rest by length, so a 512 MB bulk is never buffered.
//
//   ByteQueue ─▶ line (+ - : , ( # _ and headers $ * % ~ > | ! =) ─▶ stack of open aggregates
//                bulk payload ─▶ kept (≤ budget) + skipped ─▶ finished top-level RespNode

import type { ByteQueue } from '../byte-queue.js';
import { type Bulk, MORE, NO_CRLF, bulkPayload, showBulk } from './resp-bulk.js';
import { BAD, HEADER_MAX, header, NEED_MORE, parseHeader } from './header.js';
import type { RespNode, SecretChild } from './resp-node.js';

export type { RespNode, SecretChild };

const CR = 0x0d;
const LF = 0x0a;
/** nesting deeper than this is not a reply any real server sends (Wireshark stops at 30) */
export const MAX_DEPTH = 128;
/** values kept per top-level reply; past this an aggregate is marked truncated */
const MAX_NODES = 1000;
/** bulk lengths above this are impossible framing (Redis caps at proto-max-bulk-len) */
const MAX_LEN = Number.MAX_SAFE_INTEGER;
/** bulks up to this size are shown straight from the queue when they arrived whole */
const FAST_BULK = 4096;

interface Frame {
  node: RespNode;
  /** elements still to read (maps and attributes count keys and values) */
  left: number;
  /** elements read so far */
  seen: number;
}

const SIMPLE = new Set([0x2b, 0x2d, 0x3a, 0x2c, 0x28]); // + - : , (
const SIZED = new Set([0x24, 0x21, 0x3d, 0x2a, 0x25, 0x7e, 0x3e, 0x7c]); // $ ! = * % ~ > |

export class RespReader {
  /** why the stream cannot be RESP, once it is lost */
  failed: string | undefined;
  /** set per top-level value by the decoder (CONFIG GET replies) */
  secretChild: SecretChild | undefined;
  private stack: Frame[] = [];
  private bulk: Bulk | undefined;
  private longLine: { type: number; kept: Buffer } | undefined;
  private pendingAttrs: RespNode | undefined;
  /** bytes of the current line already searched for LF */
  private scanned = 0;
  private budget: number;
  private nodes = 0;
  private done: RespNode | undefined;
  private cut = false;
  /** the value last returned by next() lost bytes or items to the caps */
  lastCut = false;

  constructor(
    private readonly q: ByteQueue,
    private readonly maxValue: number,
    private readonly onMask: (start: number, end: number) => void,
  ) {
    this.budget = maxValue;
  }

  /** no value is partly read */
  get idle(): boolean {
    return (
      this.stack.length === 0 &&
      !this.bulk &&
      !this.longLine &&
      !this.pendingAttrs &&
      this.q.length === 0
    );
  }

  /** the next complete top-level value, or undefined when more bytes are needed (or failed) */
  next(): RespNode | undefined {
    while (!this.failed) {
      if (this.bulk) {
        if (!this.readBulk(this.bulk)) return undefined;
      } else if (!this.readLine()) return undefined;
      const out = this.done;
      if (out) {
        this.done = undefined;
        this.budget = this.maxValue;
        this.nodes = 0;
        this.lastCut = this.cut;
        this.cut = false;
        return out;
      }
    }
    return undefined;
  }

  private fail(reason: string): false {
    this.failed = reason;
    return false;
  }

  private readLine(): boolean {
    const q = this.q;
    if (this.longLine) {
      const idx = q.indexOf(LF);
      if (idx < 0) {
        q.skip(q.length);
        return false;
      }
      q.skip(idx + 1);
      const { type, kept } = this.longLine;
      this.longLine = undefined;
      this.scalar(type, kept.toString('utf8'), true);
      return true;
    }
    if (q.length === 0) return false;
    const first = q.at(0);
    if (SIZED.has(first)) {
      const len = parseHeader(q);
      if (len === NEED_MORE) return false;
      if (len === BAD) {
        if (q.at(1) === 0x3f) return this.fail('streamed RESP3 aggregates are not decoded');
        if (q.length >= HEADER_MAX) return this.fail(`RESP line too long after 0x${hex(first)}`);
        return this.fail(`bad RESP length after ${String.fromCharCode(first)}`);
      }
      q.skip(len);
      return this.sized(String.fromCharCode(first), header.n);
    }
    if (!SIMPLE.has(first) && first !== 0x23 && first !== 0x5f) {
      return this.fail(`unexpected RESP type byte 0x${hex(first)}`);
    }
    const idx = q.indexOf(LF, this.scanned);
    if (idx < 0) {
      this.scanned = q.length;
      const type = q.at(0);
      if (!SIMPLE.has(type)) {
        if (q.length > HEADER_MAX) return this.fail(`RESP line too long after 0x${hex(type)}`);
      } else if (q.length > this.maxValue + 2) {
        this.longLine = { type, kept: Buffer.from(q.peek(this.keepable(this.maxValue), 1)) };
        q.skip(q.length);
        this.scanned = 0;
      }
      return false;
    }
    this.scanned = 0;
    if (idx < 2 || q.at(idx - 1) !== CR) return this.fail('RESP line without CRLF');
    const type = q.at(0);
    if (SIMPLE.has(type)) {
      const body = q.peek(Math.min(idx - 2, this.keepable(idx - 2)), 1);
      const text = body.toString('utf8');
      q.skip(idx + 1);
      this.scalar(type, text, body.length < idx - 2);
      return true;
    }
    if (idx - 2 > HEADER_MAX) return this.fail(`RESP line too long after 0x${hex(type)}`);
    const body = q.peek(idx - 2, 1).toString('latin1');
    q.skip(idx + 1);
    return this.header(type, body);
  }

  private keepable(n: number): number {
    const k = Math.max(0, Math.min(n, this.budget));
    this.budget -= k;
    if (k < n) this.cut = true;
    return k;
  }

  private scalar(type: number, text: string, truncated: boolean): void {
    const node: RespNode = { k: String.fromCharCode(type), text };
    if (truncated) {
      node.truncated = true;
      this.cut = true;
    }
    this.value(node);
  }

  /** `_` and `#t` / `#f` lines */
  private header(type: number, body: string): boolean {
    if (type === 0x5f) {
      if (body !== '') return this.fail('bad RESP3 null');
      this.value({ k: '_' });
      return true;
    }
    if (body !== 't' && body !== 'f') return this.fail(`bad RESP3 boolean ${body.slice(0, 10)}`);
    this.value({ k: '#', text: body });
    return true;
  }

  /** a header with a length: $ ! = (bulks) and * % ~ > | (aggregates) */
  private sized(k: string, n: number): boolean {
    if (n < 0) {
      if (n !== -1 || (k !== '$' && k !== '*')) return this.fail(`bad RESP length ${k}${n}`);
      this.value({ k: '_' });
      return true;
    }
    if (n > MAX_LEN) return this.fail(`RESP length too large ${k}${n}`);
    if (k === '$' || k === '!' || k === '=') {
      const node: RespNode = { k, size: n };
      const top = this.stack.length === 1 ? this.stack[0] : undefined;
      if (k === '$' && top && this.secretChild && top.node.k !== '|') {
        const prev = top.node.items?.[top.seen - 1];
        if (this.secretChild(top.seen, prev)) {
          node.secret = true;
          if (n > 0) this.onMask(this.q.offset, this.q.offset + n);
        }
      }
      const keep = node.secret ? 0 : this.keepable(n);
      this.attach(node);
      const q = this.q;
      if (n <= FAST_BULK && q.length >= n + 2 && !node.secret) {
        // the whole bulk is here: show it from a view of the queue, no copy
        const view = q.peek(n + 2);
        if (view[n] !== CR || view[n + 1] !== LF) return this.fail('RESP bulk string without CRLF');
        q.skip(n + 2);
        this.bulkDone(node, view.subarray(0, keep));
        return true;
      }
      this.bulk = { node, left: n, keep: Buffer.allocUnsafe(keep), kept: 0 };
      return true;
    }
    if (this.stack.length >= MAX_DEPTH) return this.fail(`RESP nesting deeper than ${MAX_DEPTH}`);
    const node: RespNode = { k, len: n, items: [] };
    this.attach(node);
    const left = k === '%' || k === '|' ? 2 * n : n;
    if (left === 0) this.finish(node);
    else this.stack.push({ node, left, seen: 0 });
    return true;
  }

  private readBulk(b: Bulk): boolean {
    const kept = bulkPayload(this.q, b);
    if (kept === MORE) return false;
    if (kept === NO_CRLF) return this.fail('RESP bulk string without CRLF');
    this.bulk = undefined;
    this.bulkDone(b.node, kept);
    return true;
  }

  private bulkDone(node: RespNode, kept: Buffer): void {
    if (!node.secret) showBulk(node, kept);
    this.finish(node);
  }

  /** a value begins: RESP3 attributes read just before belong to it */
  private attach(node: RespNode): void {
    if (this.pendingAttrs && node.k !== '|') {
      node.attrs = this.pendingAttrs;
      this.pendingAttrs = undefined;
    }
  }

  /** scalars (one line) begin and end at once */
  private value(node: RespNode): void {
    this.attach(node);
    this.finish(node);
  }

  private finish(node: RespNode): void {
    for (;;) {
      if (node.k === '|') {
        this.pendingAttrs = node; // not a value: annotates the next one, not counted
        return;
      }
      const top = this.stack[this.stack.length - 1];
      if (!top) {
        this.done = node;
        return;
      }
      if (this.nodes < MAX_NODES) {
        top.node.items!.push(node);
        this.nodes++;
      } else {
        top.node.truncated = true;
        this.cut = true;
      }
      top.seen++;
      if (--top.left > 0) return;
      this.stack.pop();
      node = top.node;
    }
  }
}

function hex(b: number): string {
  return b.toString(16).padStart(2, '0');
}
