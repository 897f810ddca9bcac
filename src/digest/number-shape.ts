// Statements that differ only in their numbers (`... where aid = 48213`, then `= 9051`) have one
// digest text, and the lexer normaliser costs about 1 µs (5 µs inside a busy relay) to find
// that out again at every call. This is the shortcut: a hash of the statement with every number
// that starts a token replaced by one mark, and a check, character by character, that a cached
// statement has the same shape. It never guesses: when two statements match here, the normaliser
// would give them the same text (the reasons are in docs/stats.md, "Fingerprint cache").

/** a mark for "a run of digits was here", outside the UTF-16 code unit range */
const MARK = 0x10000;
const NO_SHAPE = -1;

/** letters, digits, `_`, `$` and non-ASCII: a digit after one of these is part of a word
 * (`t1`, `$1`), not a number */
const wordChar = (c: number): boolean =>
  (c >= 48 && c <= 57) ||
  (c >= 65 && c <= 90) ||
  (c >= 97 && c <= 122) ||
  c === 95 ||
  c === 36 ||
  c >= 128;
const digit = (c: number): boolean => c >= 48 && c <= 57;

/** where the digit run starting at i ends */
function runEnd(s: string, i: number): number {
  let j = i + 1;
  while (j < s.length && digit(s.charCodeAt(j))) j++;
  return j;
}

/**
 * The hash of `sql` with its numbers marked, or -1 when this shortcut does not apply: quoted
 * identifiers (`"col 1"` is a name, its digits matter) and hex numbers (`0x1F` is one number,
 * `1x1F` is a number and a word).
 */
export function numberShapeHash(sql: string): number {
  let h = 0x811c9dc5;
  let prev = 32;
  for (let i = 0; i < sql.length; i++) {
    const c = sql.charCodeAt(i);
    if (c === 34 || c === 96) return NO_SHAPE;
    if (digit(c) && !wordChar(prev)) {
      const end = runEnd(sql, i);
      const next = sql.charCodeAt(end);
      if (next === 120 || next === 88) return NO_SHAPE;
      h = Math.imul(h ^ MARK, 0x01000193);
      i = end - 1;
      prev = 48;
      continue;
    }
    h = Math.imul(h ^ c, 0x01000193);
    prev = c;
  }
  return h >>> 0;
}

/** true when a and b are the same but for the numbers numberShapeHash marks */
export function sameNumberShape(a: string, b: string): boolean {
  let i = 0;
  let j = 0;
  let prev = 32;
  while (i < a.length && j < b.length) {
    const c = a.charCodeAt(i);
    const d = b.charCodeAt(j);
    const numA = digit(c) && !wordChar(prev);
    const numB = digit(d) && !wordChar(prev);
    if (numA !== numB) return false;
    if (numA) {
      i = runEnd(a, i);
      j = runEnd(b, j);
      prev = 48;
      continue;
    }
    if (c !== d) return false;
    prev = c;
    i++;
    j++;
  }
  return i === a.length && j === b.length;
}

/** shape hash -> one statement of that shape and what it gave; bounded, dropped when full */
export class NumberShapeCache<V> {
  private map = new Map<number, { sql: string; value: V }>();

  constructor(private readonly size: number) {}

  get(hash: number, sql: string): V | undefined {
    const e = this.map.get(hash);
    return e !== undefined && sameNumberShape(e.sql, sql) ? e.value : undefined;
  }

  set(hash: number, sql: string, value: V): void {
    if (this.map.size >= this.size && !this.map.has(hash)) this.map.clear();
    this.map.set(hash, { sql, value });
  }

  clear(): void {
    this.map.clear();
  }
}
