// The Redis secret scan for bytes no decoder reads (after a fallback): a streaming search for
// the shapes that carry passwords, in RESP and inline form, masking more rather than less since
// nothing here knows the command structure for sure.
//
//   RESP   *2 $4 AUTH $n <pw>   *3 $4 AUTH $n user $n <pw>   ... $4 AUTH $n a $n b (HELLO, MIGRATE)
//          $5 AUTH2 $n user $n <pw>   $11 requirepass $n <pw> (CONFIG SET, CONFIG GET replies)
//   inline AUTH [user] <pw...>   HELLO 3 AUTH user <pw...>   CONFIG SET requirepass <pw...>
//
// A RESP secret is masked over its announced length (which may reach into later chunks); an
// inline one from its first byte to the end of its line (end Infinity until the line ends).
// Memory: the last TAIL bytes of each direction, so a shape split across chunks is still found.

import type { From } from '../../events.js';
import type { DecoderOptions, Mask, SecretScanner } from '../decoder.js';
import { SECRET_PARAMS } from './secrets.js';

const TAIL = 1024;
const PARAMS = [...SECRET_PARAMS, 'auth-pass'].join('|');
const BULK = '\\$(\\d{1,12})\\r\\n';
/** groups: argc (2|3), first bulk length; the secret is the last bulk */
const RESP_AUTH = new RegExp(`\\*([23])\\r\\n\\$4\\r\\nauth\\r\\n${BULK}`, 'gi');
/** an AUTH / AUTH2 option (HELLO, MIGRATE) or a secret parameter: the next bulk(s) */
const RESP_OPT = new RegExp(
  `\\$(?:4\\r\\n(auth)|5\\r\\n(auth2)|\\d+\\r\\n(${PARAMS}))\\r\\n${BULK}`,
  'gi',
);
/** an inline line's secret: from the group's start to the end of the line */
const INLINE = new RegExp(
  `(?:^|\\n)[ \\t]*(?:auth[ \\t]+|hello[ \\t]+\\d+[ \\t]+(?:\\S+[ \\t]+)*?auth[ \\t]+\\S+[ \\t]+|config[ \\t]+set[ \\t]+(?:${PARAMS})[ \\t]+|migrate[ \\t].*?[ \\t]auth2?[ \\t]+)([^\\r\\n]*)`,
  'gi',
);

class RedisScanner implements SecretScanner {
  private tail: Record<From, string> = { client: '', server: '' };
  /** an inline secret whose line has not ended: its start */
  private open: Record<From, number | undefined> = { client: undefined, server: undefined };

  push(from: From, chunk: Buffer, offset: number): Mask[] {
    try {
      return this.scan(from, chunk, offset);
    } catch {
      return [];
    }
  }

  private scan(from: From, chunk: Buffer, offset: number): Mask[] {
    const masks: Mask[] = [];
    const tail = this.tail[from];
    const text = tail + chunk.toString('latin1');
    const base = offset - tail.length;
    const mask = (start: number, end: number): void => {
      if (end > start)
        masks.push({ from, start: base + start, end: end === Infinity ? end : base + end });
    };
    const open = this.open[from];
    if (open !== undefined) {
      const lf = chunk.indexOf(0x0a);
      if (lf >= 0) {
        const end = offset + lf - (lf > 0 && chunk[lf - 1] === 0x0d ? 1 : 0);
        masks.push({ from, start: open, end: Math.max(open, end) });
        this.open[from] = undefined;
      } else masks.push({ from, start: open, end: Infinity });
    }
    // where the bulk after a first one of length n at `at` ends; Infinity while unknown
    const second = (at: number, n: number): number => {
      const after = at + n;
      const rest = text.slice(after, after + 20);
      const next = /^\r\n\$(\d{1,12})\r\n/.exec(rest);
      if (next) return after + next[0].length + Number(next[1]);
      const pending = after + 2 > text.length || /^\r\n(\$\d{0,12}\r?)?$/.test(rest);
      // a match that will still be in the tail is found again with more bytes, and its mask
      // (same start) replaced; one that will not is masked as far as it is known
      return pending && text.length - at < TAIL - 64 ? Infinity : after;
    };
    const commands = new Set<number>();
    for (const m of text.matchAll(RESP_AUTH)) {
      const at = m.index + m[0].length;
      commands.add(at);
      const n = Number(m[2]);
      // AUTH user pw: the user is masked too (nothing here is sure which bulk is which)
      mask(at, m[1] === '2' ? at + n : second(at, n));
    }
    for (const m of text.matchAll(RESP_OPT)) {
      const at = m.index + m[0].length;
      if (commands.has(at)) continue;
      const n = Number(m[4]);
      // HELLO ... AUTH user pw, MIGRATE ... AUTH2 user pw (and AUTH pw KEYS: KEYS masked too)
      mask(at, m[3] ? at + n : second(at, n));
    }
    for (const m of text.matchAll(INLINE)) {
      const start = m.index + m[0].length - m[1]!.length;
      const lineEnd = m.index + m[0].length;
      if (lineEnd < text.length) mask(start, text[lineEnd - 1] === '\r' ? lineEnd - 1 : lineEnd);
      else {
        mask(start, Infinity);
        this.open[from] = base + start;
      }
    }
    this.tail[from] = text.length > TAIL ? text.slice(text.length - TAIL) : text;
    return masks;
  }
}

export function redisScanner(_options: DecoderOptions): SecretScanner {
  return new RedisScanner();
}
