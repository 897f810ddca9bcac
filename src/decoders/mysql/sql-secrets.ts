// Passwords written as SQL literals: `IDENTIFIED BY 'pw'`, `IDENTIFIED WITH x BY|AS 'h'`,
// `IDENTIFIED VIA ed25519 USING PASSWORD('pw')`, `SET PASSWORD [FOR u@h] = 'pw'` / `PASSWORD('pw')`,
// `MASTER_PASSWORD='pw'`, `SOURCE_PASSWORD=`, `CREATE SERVER ... OPTIONS (PASSWORD 'pw')`.
// After each anchor word, the first quoted literal within three words (skipping user@host parts
// and comments) is a secret. A statement quoted in a literal (`PREPARE s FROM '...'`, `EXECUTE
// IMMEDIATE '...'`) writes its own literals with doubled or escaped quotes (`''pw''`, `\'pw\'`):
// that inner literal is the secret. This errs on the side of hiding: `WHERE password = 'x'` is
// hidden too.

import { REDACTED } from '../summary-text.js';

const ANCHOR = /\b(?:IDENTIFIED|[A-Z_]*PASSWORD)\b/gi;
export const HINT = /IDENTIFIED|PASSWORD/i;

/** byte ranges of the literal contents (inside the quotes) that hold secrets */
export function secretRanges(sql: Buffer): [number, number][] {
  const s = sql.toString('latin1');
  if (!HINT.test(s)) return [];
  const out: [number, number][] = [];
  ANCHOR.lastIndex = 0;
  for (let m = ANCHOR.exec(s); m; m = ANCHOR.exec(s)) {
    const range = literalAfter(s, m.index + m[0].length);
    if (range && !out.some((r) => r[0] === range[0])) out.push(range);
  }
  return out.sort((a, b) => a[0] - b[0]);
}

function literalAfter(s: string, i: number): [number, number] | undefined {
  let words = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '=' || c === '(') {
      i++;
      continue;
    }
    const skip = commentEnd(s, i);
    if (skip !== undefined) {
      i = skip;
      continue;
    }
    if (c === "'" || c === '"' || (c === '\\' && (s[i + 1] === "'" || s[i + 1] === '"'))) {
      const lit = literalAt(s, i);
      const before = i > 0 ? s[i - 1] : '';
      if (before === '@' || s[lit.next] === '@') {
        i = lit.next;
        continue;
      }
      return [lit.start, lit.end];
    }
    if (c === '@' || c === '`') {
      i = c === '`' ? s.indexOf('`', i + 1) + 1 || s.length : i + 1;
      continue;
    }
    if (/[A-Za-z0-9_$]/.test(c)) {
      if (++words > 3) return undefined;
      while (i < s.length && /[A-Za-z0-9_$]/.test(s[i]!)) i++;
      continue;
    }
    return undefined; // ; , ) or anything else ends the clause
  }
  return undefined;
}

/** where a comment that starts at i ends (`/* ... *\/`; `#` and `-- ` to the end of the line),
 * or undefined when none starts there; an unterminated one runs to the end */
function commentEnd(s: string, i: number): number | undefined {
  const c = s[i];
  if (c === '/' && s[i + 1] === '*') {
    const end = s.indexOf('*/', i + 2);
    return end === -1 ? s.length : end + 2;
  }
  if (c === '#' || (c === '-' && s[i + 1] === '-' && /\s/.test(s[i + 2] ?? ' '))) {
    const end = s.indexOf('\n', i);
    return end === -1 ? s.length : end + 1;
  }
  return undefined;
}

/** what may follow an empty literal `''` (anything else makes it the opening of a nested one) */
const AFTER_EMPTY = /[\s;,)@]/;

/** The literal opening at i: its contents [start, end) and the index just past it. A quote
 * doubled and followed by text (`''pw''`), or an escaped quote (`\'pw\'`), opens a literal
 * nested in an enclosing one (a statement quoted for PREPARE or EXECUTE IMMEDIATE); its
 * contents are the secret. */
function literalAt(s: string, i: number): { start: number; end: number; next: number } {
  if (s[i] === '\\') {
    const q = s[i + 1];
    let j = i + 2;
    while (j < s.length && !(s[j] === '\\' && s[j + 1] === q)) j += s[j] === '\\' ? 2 : 1;
    const end = Math.min(j, s.length);
    return { start: i + 2, end, next: Math.min(end + 2, s.length) };
  }
  const q = s[i];
  if (s[i + 1] === q && i + 2 < s.length && s[i + 2] !== q && !AFTER_EMPTY.test(s[i + 2]!)) {
    // in the enclosing literal a quote inside the nested one is doubled twice (4 quotes), so
    // the nested literal ends at the first run of quotes whose length is not a multiple of 4
    let j = i + 2;
    while (j < s.length) {
      if (s[j] !== q) {
        j++;
        continue;
      }
      let n = 1;
      while (s[j + n] === q) n++;
      if (n % 4 !== 0) break;
      j += n;
    }
    const end = Math.min(j, s.length);
    return { start: i + 2, end, next: Math.min(end + 2, s.length) };
  }
  const close = closeQuote(s, i);
  return { start: i + 1, end: Math.min(close, s.length), next: close + 1 };
}

/** index of the closing quote of the literal opening at i (s.length when unterminated) */
function closeQuote(s: string, i: number): number {
  const q = s[i];
  let j = i + 1;
  while (j < s.length) {
    const c = s[j];
    if (c === '\\') j += 2;
    else if (c === q && s[j + 1] === q) j += 2;
    else if (c === q) return j;
    else j++;
  }
  return s.length;
}

/** sql text with the secret ranges replaced by [redacted] */
export function redactSql(sql: Buffer, ranges: [number, number][]): string {
  if (ranges.length === 0) return sql.toString('utf8');
  let out = '';
  let at = 0;
  for (const [a, b] of ranges) {
    out += sql.subarray(at, a).toString('utf8') + REDACTED;
    at = b;
  }
  return out + sql.subarray(at).toString('utf8');
}

/** the indexes of `?` placeholders that stand where a password literal would (after the same
 * anchors: `IDENTIFIED BY ?`, `PASSWORD(?)`, `MASTER_PASSWORD = ?`) */
export function secretPlaceholders(sql: string): number[] {
  if (!HINT.test(sql)) return [];
  const marks = placeholders(sql);
  const out: number[] = [];
  ANCHOR.lastIndex = 0;
  for (let m = ANCHOR.exec(sql); m; m = ANCHOR.exec(sql)) {
    const at = placeholderAfter(sql, m.index + m[0].length);
    const index = at === undefined ? undefined : marks.get(at);
    if (index !== undefined && !out.includes(index)) out.push(index);
  }
  return out;
}

/** position -> index of every `?` outside quotes, backticks and comments */
function placeholders(s: string): Map<number, number> {
  const out = new Map<number, number>();
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    const skip = commentEnd(s, i);
    if (skip !== undefined) i = skip - 1;
    else if (c === "'" || c === '"' || c === '`') i = closeQuote(s, i);
    else if (c === '?') out.set(i, out.size);
  }
  return out;
}

function placeholderAfter(s: string, i: number): number | undefined {
  let words = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (c === '?') return i;
    const skip = commentEnd(s, i);
    if (skip !== undefined) i = skip;
    else if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '=' || c === '(') i++;
    else if (/[A-Za-z0-9_$]/.test(c) && ++words <= 3) {
      while (i < s.length && /[A-Za-z0-9_$]/.test(s[i]!)) i++;
    } else return undefined;
  }
  return undefined;
}

/** `message` (an ERR answering a statement that held the secrets) with every quoted echo of a
 * secret replaced by [redacted]: `near ''pw'' at line 1` (a syntax error at the literal quotes it
 * without the words before it), `Duplicate entry 'pw'`. An echo the server cut short (`near` keeps
 * 80 characters) is found by its first characters and hidden as far as it matches. */
export function redactEchoes(message: string, secrets: readonly string[]): string {
  let out = message;
  for (const s of secrets) {
    const head = s.slice(0, 4);
    if (!head) continue;
    let from = 0;
    for (let i = out.indexOf(head, from); i !== -1; i = out.indexOf(head, from)) {
      const q = out[i - 1];
      if (q !== "'" && q !== '"') {
        from = i + 1;
        continue;
      }
      let n = head.length;
      while (n < s.length && out[i + n] === s[n]) n++;
      out = out.slice(0, i) + REDACTED + out.slice(i + n);
      from = i + REDACTED.length;
    }
  }
  return out;
}
