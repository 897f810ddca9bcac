// The HTTP SecretScanner (src/decoders/decoder.ts): masks secrets in bytes that no HTTP parser
// reads: after the decoder gave up on a connection (duplicate Content-Length, a bad chunk size,
// a head over 64 KiB) and while the decoder holds client bytes sent before an Upgrade answer.
// It reads lines, not messages: a line `Name: value` whose name is a secret header has its value
// masked, a request line `METHOD /path?query` and a Referer/Location value have their secret
// query values masked. Per direction it keeps one name of at most NAME_MAX bytes and a state.
//
//   "…\r\nCookie: sid=XYZ\r\n…"  ──push()──▶  [{ from, start, end }] over XYZ (absolute offsets)

import type { From } from '../../events.js';
import type { DecoderOptions, Mask, SecretScanner } from '../decoder.js';
import { UrlScanner } from './pair-scanner.js';
import { NAME_MAX, secretNamesOf, type SecretNames } from './secret-names.js';

const LF = 0x0a;
const CR = 0x0d;
const COLON = 0x3a;
const SP = 0x20;
const URL_HEADERS = new Set(['referer', 'location', 'content-location', 'refresh']);

interface Direction {
  /** the offset the next chunk should start at; another offset means bytes were skipped */
  next: number;
  state: 'name' | 'secret' | 'url' | 'skip';
  name: string;
  url?: UrlScanner;
}

export class HttpSecretScanner implements SecretScanner {
  private readonly dirs: Record<From, Direction>;

  constructor(private readonly names: SecretNames) {
    const d = (): Direction => ({ next: -1, state: 'name', name: '' });
    this.dirs = { client: d(), server: d() };
  }

  push(from: From, chunk: Buffer, offset: number): Mask[] {
    const masks: Mask[] = [];
    const d = this.dirs[from];
    // the first chunk, or one after a hole: treat it as the start of a line (over-masking a
    // line that only looks like a header is the safe mistake)
    if (d.next !== offset) this.lineStart(d);
    d.next = offset + chunk.length;
    const range = (s: number, e: number) => {
      if (e > s) masks.push({ from, start: offset + s, end: offset + e });
    };
    let i = 0;
    const n = chunk.length;
    while (i < n) {
      switch (d.state) {
        case 'name': {
          const start = i;
          while (i < n) {
            const b = chunk[i]!;
            if (b === COLON || b === SP || b === LF || b === CR) break;
            i++;
          }
          if (d.name.length + (i - start) <= NAME_MAX) d.name += chunk.toString('latin1', start, i);
          else d.name = '\0';
          if (i === n) break;
          this.endOfName(d, chunk[i]!);
          if (chunk[i] === LF) this.lineStart(d);
          i++;
          break;
        }
        case 'secret': {
          const start = i;
          while (i < n && chunk[i] !== CR && chunk[i] !== LF) i++;
          range(start, i);
          if (i < n) d.state = 'skip';
          break;
        }
        case 'url': {
          let end = i;
          while (end < n && chunk[end] !== LF) end++;
          d.url!.feed(chunk, i, end, range);
          i = end;
          if (i < n) d.state = 'skip';
          break;
        }
        case 'skip': {
          const lf = chunk.indexOf(LF, i);
          if (lf === -1) i = n;
          else {
            this.lineStart(d);
            i = lf + 1;
          }
          break;
        }
      }
    }
    return masks;
  }

  private lineStart(d: Direction): void {
    d.state = 'name';
    d.name = '';
    d.url = undefined;
  }

  /** the first word of a line ended at byte `b` */
  private endOfName(d: Direction, b: number): void {
    const name = d.name.toLowerCase();
    d.name = '';
    if (b === COLON) {
      if (this.names.header(name)) d.state = 'secret';
      else if (URL_HEADERS.has(name)) {
        d.state = 'url';
        d.url = new UrlScanner(this.names, false);
      } else d.state = 'skip';
    } else if (b === SP && /^[a-z]{3,10}$/.test(name)) {
      // `GET /path?token=... HTTP/1.1`: the target follows the method
      d.state = 'url';
      d.url = new UrlScanner(this.names, false);
    } else d.state = 'skip';
  }
}

const NO_MASKS: SecretScanner = { push: () => [] };

/** The decoder's scanner state at its fallback, for the scanner the Observer asks for right
 * after (same options object, same tick): a secret header line cut by the end of the chunk the
 * decoder gave up on is then still recognised in the next chunk. A handoff nobody takes is
 * harmless: the next fallback replaces it, and a scanner fed at an offset it does not expect
 * starts over at a line start. */
const handoff = new WeakMap<object, HttpSecretScanner>();

export function handOff(options: DecoderOptions, scanner: HttpSecretScanner): void {
  handoff.set(options, scanner);
}

export function httpSecretScanner(options: DecoderOptions): SecretScanner {
  if (!options.redact) return NO_MASKS;
  const carried = handoff.get(options);
  if (carried) {
    handoff.delete(options);
    return carried;
  }
  return new HttpSecretScanner(secretNamesOf(options));
}
