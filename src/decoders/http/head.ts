// The head of an HTTP/1.x message: start line and header fields up to the empty line (RFC 9112
// §2-5), capped at 64 KiB. HeadScanner finds the end of a head incrementally (it remembers where
// it stopped, so one byte at a time stays linear) and reports secret header values as masks as
// soon as the header name is seen, before the rest of the line has arrived.
//
//   ByteQueue ──scan()──▶ 'more' | { head: Buffer } | { error }      (+ masks for secret values)

import type { ByteQueue } from '../byte-queue.js';
import type { From } from '../../events.js';
import type { Mask } from '../decoder.js';
import { DEFAULT_SECRET_NAMES, NAME_MAX, type SecretNames } from './secret-names.js';
import { UrlScanner } from './pair-scanner.js';

export const HEAD_CAP = 64 * 1024;
const LF = 0x0a;
const CR = 0x0d;
const COLON = 0x3a;
const SP = 0x20;
const HTAB = 0x09;
/** the longest header name looked at, plus the colon and some slack for whitespace */
const NAME_PROBE = NAME_MAX + 8;
/** header values that are URLs: their query and fragment are scanned like a request target */
const URL_HEADERS = new Set(['referer', 'location', 'content-location', 'refresh']);

export type ScanResult = 'more' | { head: Buffer } | { error: string };

export class HeadScanner {
  /** where the current line starts, relative to the queue's read cursor */
  private lineStart = 0;
  private scanPos = 0;
  /** 0 before the start line, then counting field lines */
  private lineNo = 0;
  /** undefined: not known yet for this line */
  private lineSecretStart: number | null | undefined;
  private prevSecret = false;
  /** the URL in the current line (request target, Referer...) and how far it was fed */
  private url: UrlScanner | undefined;
  private urlFed = 0;

  /** `startLine`: the head begins with a request or status line (false for chunked trailers) */
  constructor(
    private readonly from: From,
    private readonly startLine: boolean,
    private readonly redact: boolean,
    private readonly names: SecretNames = DEFAULT_SECRET_NAMES,
  ) {
    this.reset();
  }

  reset(): void {
    this.lineStart = 0;
    this.scanPos = 0;
    this.lineNo = this.startLine ? 0 : 1;
    this.lineSecretStart = undefined;
    this.prevSecret = false;
    this.startUrl();
  }

  /** a request line carries a target whose query may hold secrets */
  private startUrl(): void {
    const request = this.startLine && this.from === 'client' && this.redact;
    this.url = request ? new UrlScanner(this.names, true) : undefined;
    this.urlFed = 0;
  }

  scan(q: ByteQueue, masks: Mask[]): ScanResult {
    for (;;) {
      const idx = q.indexOf(LF, this.scanPos, HEAD_CAP - this.scanPos);
      if (idx === -1) {
        this.scanPos = q.length;
        this.probeSecret(q, masks, false);
        this.feedUrl(q, masks, q.length);
        if (q.length >= HEAD_CAP) return { error: 'head larger than 64 KiB' };
        return 'more';
      }
      const lineEnd = idx > this.lineStart && q.at(idx - 1) === CR ? idx - 1 : idx;
      if (lineEnd === this.lineStart) {
        if (this.lineNo === 0) {
          // empty lines before a request line (RFC 9112 §2.2): drop them
          q.skip(idx + 1);
          this.scanPos = 0;
          this.startUrl();
          continue;
        }
        const head = q.take(idx + 1);
        this.reset();
        return { head };
      }
      if (this.lineNo > 0) {
        this.probeSecret(q, masks, true);
        if (this.lineSecretStart != null && this.redact) {
          masks.push({ from: this.from, start: this.lineSecretStart, end: q.offset + lineEnd });
        }
        this.prevSecret = this.lineSecretStart != null;
      }
      this.feedUrl(q, masks, lineEnd);
      this.url = undefined;
      this.lineNo++;
      this.lineStart = this.scanPos = idx + 1;
      this.lineSecretStart = undefined;
    }
  }

  /** feeds the line's URL bytes up to `upTo` (relative to the read cursor) */
  private feedUrl(q: ByteQueue, masks: Mask[], upTo: number): void {
    if (!this.url || upTo <= this.urlFed) return;
    const bytes = q.peek(upTo - this.urlFed, this.urlFed);
    const base = q.offset + this.urlFed;
    this.url.feed(bytes, 0, bytes.length, (s, e) =>
      masks.push({ from: this.from, start: base + s, end: base + e }),
    );
    this.urlFed = upTo;
  }

  /** Decide whether the current (maybe partial) field line carries a secret; report its value
   * range with end Infinity the first time we know. */
  private probeSecret(q: ByteQueue, masks: Mask[], complete: boolean): void {
    if (this.lineNo === 0 || this.lineSecretStart !== undefined) return;
    const avail = q.length - this.lineStart;
    if (avail <= 0) return;
    const first = q.at(this.lineStart);
    if (first === SP || first === HTAB) {
      // obs-fold: a continuation line belongs to the previous field
      this.lineSecretStart = this.prevSecret ? q.offset + this.lineStart : null;
    } else {
      const colon = q.indexOf(COLON, this.lineStart, NAME_PROBE);
      if (colon === -1) {
        if (avail < NAME_PROBE && !complete) return;
        this.lineSecretStart = null;
      } else {
        const name = q
          .peek(colon - this.lineStart, this.lineStart)
          .toString('latin1')
          .trim()
          .toLowerCase();
        this.lineSecretStart = this.names.header(name) ? q.offset + colon + 1 : null;
        if (this.lineSecretStart === null && this.redact && URL_HEADERS.has(name)) {
          this.url = new UrlScanner(this.names, false);
          this.urlFed = colon + 1;
        }
      }
    }
    if (this.lineSecretStart != null && this.redact) {
      masks.push({ from: this.from, start: this.lineSecretStart, end: Infinity });
    }
  }
}

export type Fields = Array<[string, string]>;

export interface RequestHead {
  method: string;
  url: string;
  version: string;
  fields: Fields;
}

export interface ResponseHead {
  status: number;
  reason: string;
  version: string;
  fields: Fields;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const VERSION = /^HTTP\/\d\.\d$/;

function lines(head: Buffer): string[] {
  const text = head.toString('latin1');
  const out = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  while (out.length > 0 && out[out.length - 1] === '') out.pop();
  return out;
}

/** field lines -> [lower-case name, value] pairs; obs-fold joins onto the previous value */
export function parseFields(ls: string[]): Fields | string {
  const fields: Fields = [];
  for (const line of ls) {
    if (line.startsWith(' ') || line.startsWith('\t')) {
      const prev = fields[fields.length - 1];
      if (!prev) return 'continuation line without a field';
      prev[1] = `${prev[1]} ${line.trim()}`.trim();
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) return 'header line without a colon';
    const name = line.slice(0, colon).trimEnd();
    if (!TOKEN.test(name)) return 'bad header name';
    fields.push([name.toLowerCase(), line.slice(colon + 1).trim()]);
  }
  return fields;
}

export function parseRequestHead(head: Buffer): RequestHead | string {
  const ls = lines(head);
  const start = ls.shift() ?? '';
  const parts = start.split(' ');
  if (parts.length !== 3) return 'bad request line';
  const [method, url, version] = parts as [string, string, string];
  if (version === 'HTTP/2.0') return 'HTTP/2 is not decoded';
  if (!TOKEN.test(method) || url === '' || !VERSION.test(version)) return 'bad request line';
  const fields = parseFields(ls);
  if (typeof fields === 'string') return fields;
  return { method, url, version, fields };
}

export function parseResponseHead(head: Buffer): ResponseHead | string {
  const ls = lines(head);
  const start = ls.shift() ?? '';
  const m = /^(HTTP\/\d\.\d) (\d{3})(?: (.*))?$/.exec(start);
  if (!m) return 'bad status line';
  const fields = parseFields(ls);
  if (typeof fields === 'string') return fields;
  return { version: m[1]!, status: Number(m[2]), reason: m[3] ?? '', fields };
}

/** parse trailer lines of a chunked body (no start line) */
export function parseTrailers(head: Buffer): Fields | string {
  return parseFields(lines(head));
}

/** all values of a header (`name` in lower case) */
export function values(fields: Fields, name: string): string[] {
  const out: string[] = [];
  for (const [n, v] of fields) if (n === name) out.push(v);
  return out;
}
