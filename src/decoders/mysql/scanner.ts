// A streaming scan for passwords written in SQL (the shapes of sql-secrets.ts: after IDENTIFIED,
// PASSWORD or *_PASSWORD, the first quoted literal within three words), for bytes the decoder does
// not read: the part of a statement beyond its kept window, and every byte after a fallback.
// It knows nothing of packets: it reads each direction as one stream of bytes, so a frame header
// or a binary field can at worst end a clause early or mask a few bytes too many.
//
//   seek ──anchor──▶ after ──quote──▶ literal ──quote──▶ closing ──not a quote──▶ seek
//                      └─ words, spaces, = ( @ `...` ─┘                 └── @ ──▶ after (user@host)
//                      └─ comments: /* */, # and -- to the end of the line ─┘
//
// A statement quoted in a literal (PREPARE s FROM '...', EXECUTE IMMEDIATE '...') writes its own
// literal as ''pw'' or \'pw\': an empty literal followed by text, or an escaped quote, opens the
// inner literal, which is masked up to the closing quote of the enclosing one (a few bytes more).
//
// State per direction is a few numbers and a 15-byte tail (an anchor split across chunks), so
// memory is flat whatever arrives. A literal's mask is sent with end Infinity from its first
// byte, and again with its real end when the closing quote is seen (and open again if that quote
// turns out to be doubled).

import type { From } from '../../events.js';
import type { Mask, SecretScanner } from '../decoder.js';

const ANCHOR = /IDENTIFIED|PASSWORD/gi;
const TAIL = 15;

type Mode =
  | 'seek'
  | 'after'
  | 'word'
  | 'backtick'
  | 'literal'
  | 'closing'
  /** after `/`, `-` or `\` in 'after': a comment or an escaped quote may follow */
  | 'slash'
  | 'dash'
  | 'backslash'
  | 'comment'
  | 'commentStar'
  | 'line';

interface Dir {
  mode: Mode;
  tail: string;
  words: number;
  quote: number;
  escaped: boolean;
  /** the last byte seen in 'after' was `@`: the next literal is a host, not the password */
  at: boolean;
  /** the current literal is a host part (`'u'@'h'`) */
  host: boolean;
  litStart: number;
  litEnd: number;
}

const isWord = (c: number): boolean =>
  (c >= 0x30 && c <= 0x39) ||
  (c >= 0x41 && c <= 0x5a) ||
  (c >= 0x61 && c <= 0x7a) ||
  c === 0x5f ||
  c === 0x24;
/** bytes after an anchor that may open a comment (or, \, an escaped quote) */
const OPENS: Partial<Record<number, Mode>> = {
  0x2f: 'slash',
  0x2d: 'dash',
  0x5c: 'backslash',
  0x23: 'line',
};

/** what may follow an empty literal `''` that is not the opening of a nested one */
const isEmptyEnd = (c: number): boolean =>
  c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x3b || c === 0x2c || c === 0x29;
const isSpace = (c: number): boolean =>
  c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x3d || c === 0x28;

export class SqlSecretScanner implements SecretScanner {
  private readonly dirs: Record<From, Dir> = { client: newDir(), server: newDir() };

  push(from: From, chunk: Buffer, offset: number): Mask[] {
    const d = this.dirs[from];
    const out: Mask[] = [];
    let i = 0;
    while (i < chunk.length) {
      if (d.mode === 'seek') {
        const at = seek(d, chunk, i);
        if (at === undefined) return out;
        d.mode = 'after';
        d.words = 0;
        i = at;
        continue;
      }
      i = step(d, chunk, i, offset, from, out);
    }
    return out;
  }
}

function newDir(): Dir {
  return {
    mode: 'seek',
    tail: '',
    words: 0,
    quote: 0,
    escaped: false,
    at: false,
    host: false,
    litStart: 0,
    litEnd: 0,
  };
}

/** the chunk index just past the next anchor word, or undefined (the tail is kept) */
function seek(d: Dir, chunk: Buffer, from: number): number | undefined {
  const head = from === 0 ? d.tail : '';
  const s = head + chunk.toString('latin1', from);
  ANCHOR.lastIndex = 0;
  for (let m = ANCHOR.exec(s); m; m = ANCHOR.exec(s)) {
    const end = m.index + m[0].length;
    // an anchor followed by a byte of the tail was decided in the last chunk already
    if (end < head.length) continue;
    if (end === s.length) {
      // PASSWORD at the end of the chunk: PASSWORDS or not is told by the next byte
      d.tail = s.slice(m.index);
      return undefined;
    }
    if (isWord(s.charCodeAt(end))) continue;
    d.tail = '';
    return from + end - head.length;
  }
  d.tail = s.slice(-TAIL);
  return undefined;
}

/** one byte (or a run of literal bytes) in the modes after an anchor; returns the next index */
function step(d: Dir, chunk: Buffer, i: number, offset: number, from: From, out: Mask[]): number {
  const c = chunk[i]!;
  switch (d.mode) {
    case 'after':
      if (c === 0x40) {
        d.at = true;
        return i + 1;
      }
      if (isSpace(c)) return i + 1;
      if (c === 0x27 || c === 0x22) {
        d.mode = 'literal';
        d.host = d.at;
        d.at = false;
        d.quote = c;
        d.escaped = false;
        d.litStart = offset + i + 1;
        out.push({ from, start: d.litStart, end: Infinity });
        return i + 1;
      }
      d.at = false;
      if (c === 0x60) {
        d.mode = 'backtick';
        return i + 1;
      }
      if (OPENS[c]) {
        d.mode = OPENS[c];
        return i + 1;
      }
      if (isWord(c) && ++d.words <= 3) {
        d.mode = 'word';
        return i + 1;
      }
      d.mode = 'seek';
      d.tail = '';
      return i;
    case 'word':
      if (isWord(c)) return i + 1;
      d.mode = 'after';
      return i;
    case 'backtick':
      if (c === 0x60) d.mode = 'after';
      return i + 1;
    case 'slash':
    case 'dash':
    case 'backslash':
    case 'comment':
    case 'commentStar':
    case 'line':
      return skipStep(d, chunk, i);
    case 'literal': {
      const next = literal(d, chunk, i, offset);
      // closed now, so that a quote at the end of a chunk is not masked; a doubled quote
      // (next byte) opens it again
      if ((d.mode as Mode) === 'closing') {
        out.push({ from, start: d.litStart, end: Math.max(d.litEnd, d.litStart + 1) });
      }
      return next;
    }
    case 'closing':
      if (c === d.quote) {
        d.mode = 'literal'; // a doubled quote is part of the literal
        out.push({ from, start: d.litStart, end: Infinity });
        return i + 1;
      }
      if (c === 0x40 || d.host) {
        d.mode = 'after'; // 'user'@'host': the password is further on
        return i;
      }
      if (d.litEnd === d.litStart && !isEmptyEnd(c)) {
        // '' then text: the opening of a literal nested in an enclosing one (''pw'')
        d.mode = 'literal';
        d.litStart = offset + i;
        out.push({ from, start: d.litStart, end: Infinity });
        return i;
      }
      d.mode = 'seek';
      d.tail = '';
      return i;
    default:
      return i + 1;
  }
}

/** the modes between an anchor and its literal that skip a comment (or let an escaped quote
 * through); returns the next index */
function skipStep(d: Dir, chunk: Buffer, i: number): number {
  const c = chunk[i]!;
  switch (d.mode) {
    case 'slash':
    case 'dash':
      if (c === (d.mode === 'slash' ? 0x2a : 0x2d)) {
        // `--x` is not a comment in MySQL; taking it for one can only mask more
        d.mode = d.mode === 'slash' ? 'comment' : 'line';
        return i + 1;
      }
      d.mode = 'seek';
      d.tail = '';
      return i;
    case 'backslash':
      if (c === 0x27 || c === 0x22) {
        d.mode = 'after';
        return i; // the quote opens the (nested) literal
      }
      d.mode = 'seek';
      d.tail = '';
      return i;
    case 'comment':
    case 'commentStar': {
      if (d.mode === 'commentStar' && c === 0x2f) {
        d.mode = 'after';
        return i + 1;
      }
      d.mode = c === 0x2a ? 'commentStar' : 'comment';
      if (d.mode === 'commentStar') return i + 1;
      const star = chunk.indexOf(0x2a, i);
      return star === -1 ? chunk.length : star;
    }
    case 'line': {
      const nl = chunk.indexOf(0x0a, i);
      if (nl === -1) return chunk.length;
      d.mode = 'after';
      return nl + 1;
    }
    default:
      return i + 1;
  }
}

/** skips literal bytes up to the next quote or backslash */
function literal(d: Dir, chunk: Buffer, i: number, offset: number): number {
  let j = i;
  while (j < chunk.length) {
    const c = chunk[j]!;
    if (d.escaped) d.escaped = false;
    else if (c === 0x5c) d.escaped = true;
    else if (c === d.quote) {
      d.mode = 'closing';
      d.litEnd = offset + j;
      return j + 1;
    }
    j++;
  }
  return j;
}
