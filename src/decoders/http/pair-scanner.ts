// Streaming scanners for `name=value&name=value` text: a URL's query (and fragment, where OAuth
// puts `#access_token=`) and application/x-www-form-urlencoded bodies. They are fed the bytes as
// they arrive, in pieces of any size, and report the byte ranges of secret values inside each
// piece, so a value split across chunks is masked in every chunk that holds part of it. Memory:
// one field name of at most NAME_MAX bytes (percent-encoded: 3 per character).
//
//   "a=1&api_key=XYZ&b=2"  ──▶  range of XYZ          names stay readable; only values go

import { NAME_MAX, type SecretNames } from './secret-names.js';

/** [start, end) inside the piece being fed */
export type OnRange = (start: number, end: number) => void;

const AMP = 0x26;
const EQ = 0x3d;
const SP = 0x20;
const HASH = 0x23;
const QMARK = 0x3f;
const CR = 0x0d;
const LF = 0x0a;
const HTAB = 0x09;
const NAME_BYTES = NAME_MAX * 3;

export function decodeName(raw: string): string {
  const plus = raw.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(plus);
  } catch {
    return plus;
  }
}

export class PairScanner {
  private name = '';
  private long = false;
  private state: 'name' | 'secret' | 'plain' = 'name';

  /** `inUrl`: space, CR, LF and '#' end the pairs (a request target or a header value) */
  constructor(
    private readonly names: SecretNames,
    private readonly inUrl = false,
  ) {}

  /** scans buf[from, to); returns the index of the byte that ended the pairs (inUrl), or -1 */
  feed(buf: Buffer, from: number, to: number, onRange: OnRange): number {
    let i = from;
    while (i < to) {
      if (this.state === 'name') {
        const start = i;
        while (i < to) {
          const b = buf[i]!;
          if (b === EQ || b === AMP || (this.inUrl && isUrlEnd(b))) break;
          i++;
        }
        this.addName(buf, start, i);
        if (i === to) return -1;
        const b = buf[i]!;
        if (b === EQ) {
          this.state = !this.long && this.names.field(decodeName(this.name)) ? 'secret' : 'plain';
        }
        this.name = '';
        this.long = false;
        if (b !== EQ && b !== AMP) return i;
        i++;
        continue;
      }
      const start = i;
      while (i < to) {
        const b = buf[i]!;
        if (b === AMP || (this.inUrl && isUrlEnd(b))) break;
        i++;
      }
      if (this.state === 'secret' && i > start) onRange(start, i);
      if (i === to) return -1;
      this.state = 'name';
      if (buf[i] !== AMP) return i;
      i++;
    }
    return -1;
  }

  private addName(buf: Buffer, start: number, end: number): void {
    if (this.long || end === start) return;
    if (this.name.length + (end - start) > NAME_BYTES) {
      this.long = true;
      return;
    }
    this.name += buf.toString('latin1', start, end);
  }
}

function isUrlEnd(b: number): boolean {
  return b === SP || b === CR || b === LF || b === HASH || b === HTAB;
}

/** A URL as it streams by (a request target after the method, or a Referer/Location value):
 * the path is skipped, then the query and the fragment are scanned as pairs. */
export class UrlScanner {
  private state: 'method' | 'lead' | 'path' | 'query' | 'done';
  private pairs: PairScanner;

  /** `requestLine`: the bytes start with `METHOD SP` */
  constructor(
    private readonly names: SecretNames,
    requestLine: boolean,
  ) {
    this.state = requestLine ? 'method' : 'lead';
    this.pairs = new PairScanner(names, true);
  }

  feed(buf: Buffer, from: number, to: number, onRange: OnRange): void {
    let i = from;
    while (i < to && this.state !== 'done') {
      const b = buf[i]!;
      if (this.state === 'method') {
        if (b === SP) this.state = 'path';
        i++;
      } else if (this.state === 'lead') {
        // the whitespace between a header's colon and its value
        if (b !== SP && b !== HTAB) this.state = 'path';
        else i++;
      } else if (this.state === 'path') {
        if (b === QMARK || b === HASH) {
          this.state = 'query';
          this.pairs = new PairScanner(this.names, true);
        } else if (b === SP || b === CR || b === LF) this.state = 'done';
        i++;
      } else {
        const stop = this.pairs.feed(buf, i, to, onRange);
        if (stop === -1) return;
        // a fragment after the query holds pairs too (`#access_token=...&state=...`)
        if (buf[stop] === HASH) this.pairs = new PairScanner(this.names, true);
        else this.state = 'done';
        i = stop + 1;
      }
    }
  }
}

/** masks secret query values in a URL string: `/cb?code=1&token=[redacted]` */
export function redactUrl(url: string, names: SecretNames, mask: string): string {
  const q = url.search(/[?#]/);
  if (q === -1) return url;
  const buf = Buffer.from(url, 'latin1');
  // a latin1 round trip keeps indexes equal for any string Node gave us from the wire
  if (buf.toString('latin1', 0, buf.length) !== url) return redactUnicodeUrl(url, names, mask);
  const ranges: Array<[number, number]> = [];
  new UrlScanner(names, false).feed(buf, 0, buf.length, (s, e) => ranges.push([s, e]));
  if (ranges.length === 0) return url;
  let out = '';
  let at = 0;
  for (const [s, e] of ranges) {
    out += url.slice(at, s) + mask;
    at = e;
  }
  return out + url.slice(at);
}

function redactUnicodeUrl(url: string, names: SecretNames, mask: string): string {
  return url.replace(/([?#&])([^=&#]*)=([^&#]*)/g, (all, sep: string, name: string) =>
    names.field(decodeName(name)) ? `${sep}${name}=${mask}` : all,
  );
}
