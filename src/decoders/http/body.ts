// Reading one message body off a ByteQueue (RFC 9112 §6-7): a Content-Length count, chunked
// coding with trailers, or (responses only) everything until the server's FIN. Keeps at most
// maxValue bytes and counts the rest, so a 10 GB body costs no memory. When redaction is on and
// the body is JSON or a form, every body byte (kept or not) goes through a streaming secret
// scanner (body-secrets.ts) and the secret values are masked on the wire offsets and in the kept
// copy; other bodies are skipped by length, never scanned.
//
//   kind 'length' ─ count N     kind 'chunked' ─ size line, data, CRLF, ..., 0, trailers
//   kind 'close'  ─ until end()

import type { ByteQueue } from '../byte-queue.js';
import type { From } from '../../events.js';
import type { Mask } from '../decoder.js';
import { HeadScanner, parseTrailers, type Fields } from './head.js';
import type { BodyScanner } from './body-secrets.js';
import type { SecretNames } from './secret-names.js';

export type BodyKind = 'length' | 'chunked' | 'close';
export type BodyResult = 'more' | 'done' | { error: string };

const SIZE_LINE_CAP = 4096;
/** the byte a masked secret shows as, in the kept body as on the wire (src/relay/redactor.ts) */
const MASK_BYTE = 0x2a;
const LF = 0x0a;
const CR = 0x0d;

export class BodyReader {
  /** de-chunked body bytes seen so far */
  length = 0;
  readonly kept: Buffer[] = [];
  trailers: Fields | undefined;
  /** kept bytes masked by redaction */
  redactedKept = 0;
  private keptLength = 0;
  private remaining: number;
  private chunkPhase: 'size' | 'data' | 'crlf' | 'trailers' = 'size';
  private trailerScanner: HeadScanner | undefined;

  constructor(
    readonly kind: BodyKind,
    contentLength: number,
    private readonly maxValue: number,
    private readonly from: From,
    private readonly redact: boolean,
    private readonly names?: SecretNames,
    private readonly scanner?: BodyScanner,
  ) {
    this.remaining = kind === 'length' ? contentLength : 0;
  }

  /** consume body bytes from q; 'done' when the body is complete (never for 'close') */
  read(q: ByteQueue, masks: Mask[]): BodyResult {
    if (this.kind === 'length') {
      this.remaining -= this.consume(q, this.remaining, masks);
      return this.remaining === 0 ? 'done' : 'more';
    }
    if (this.kind === 'close') {
      this.consume(q, q.length, masks);
      return 'more';
    }
    return this.readChunked(q, masks);
  }

  private consume(q: ByteQueue, max: number, masks: Mask[]): number {
    const n = Math.min(max, q.length);
    if (n === 0) return 0;
    const keep = Math.max(0, Math.min(n, this.maxValue - this.keptLength));
    let kept: Buffer | undefined;
    if (this.scanner) {
      const bytes = q.peek(n);
      const base = q.offset;
      this.scanner.feed(bytes, 0, n, (s, e) => {
        masks.push({ from: this.from, start: base + s, end: base + e });
        if (s >= keep) return;
        // the kept copy is what the message's body field shows: masked too
        kept ??= Buffer.from(bytes.subarray(0, keep));
        kept.fill(MASK_BYTE, s, Math.min(e, keep));
        this.redactedKept += Math.min(e, keep) - s;
      });
    }
    if (keep > 0) {
      // copy: a view would pin the whole chunk it came from
      this.kept.push(kept ?? Buffer.from(q.peek(keep)));
      this.keptLength += keep;
    }
    q.skip(n);
    this.length += n;
    return n;
  }

  private readChunked(q: ByteQueue, masks: Mask[]): BodyResult {
    for (;;) {
      switch (this.chunkPhase) {
        case 'size': {
          const idx = q.indexOf(LF, 0, SIZE_LINE_CAP);
          if (idx === -1) {
            return q.length >= SIZE_LINE_CAP ? { error: 'chunk size line too long' } : 'more';
          }
          const line = q.take(idx + 1).toString('latin1');
          const m = /^[ \t]*([0-9a-fA-F]+)[ \t]*(?:;.*)?\r?\n$/s.exec(line);
          if (!m) return { error: 'bad chunk size line' };
          const hex = m[1]!.replace(/^0+(?=.)/, '');
          if (hex.length > 13) return { error: 'chunk size too large' };
          const size = parseInt(hex, 16);
          if (size === 0) {
            this.chunkPhase = 'trailers';
            this.trailerScanner = new HeadScanner(this.from, false, this.redact, this.names);
          } else {
            this.remaining = size;
            this.chunkPhase = 'data';
          }
          break;
        }
        case 'data':
          this.remaining -= this.consume(q, this.remaining, masks);
          if (this.remaining > 0) return 'more';
          this.chunkPhase = 'crlf';
          break;
        case 'crlf': {
          const b = q.at(0);
          if (b === -1) return 'more';
          if (b === CR) {
            const b2 = q.at(1);
            if (b2 === -1) return 'more';
            if (b2 !== LF) return { error: 'missing CRLF after chunk data' };
            q.skip(2);
          } else if (b === LF) {
            q.skip(1);
          } else {
            return { error: 'missing CRLF after chunk data' };
          }
          this.chunkPhase = 'size';
          break;
        }
        case 'trailers': {
          const r = this.trailerScanner!.scan(q, masks);
          if (r === 'more') return 'more';
          if ('error' in r) return { error: `trailers: ${r.error}` };
          const fields = parseTrailers(r.head);
          if (typeof fields === 'string') return { error: `trailers: ${fields}` };
          if (fields.length > 0) this.trailers = fields;
          return 'done';
        }
      }
    }
  }
}
