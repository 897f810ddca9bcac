// Passwords written as SQL literals: `IDENTIFIED BY 'pw'`, `IDENTIFIED WITH x BY|AS 'h'`,
// `IDENTIFIED VIA ed25519 USING PASSWORD('pw')`, `SET PASSWORD [FOR u@h] = 'pw'` / `PASSWORD('pw')`,
// `MASTER_PASSWORD='pw'`, `SOURCE_PASSWORD=`, `CREATE SERVER ... OPTIONS (PASSWORD 'pw')`.
// After each anchor word, the first quoted literal within three words (skipping user@host parts)
// is a secret. This errs on the side of hiding: `WHERE password = 'x'` is hidden too.

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
    if (c === "'" || c === '"') {
      const end = closeQuote(s, i);
      const before = i > 0 ? s[i - 1] : '';
      const after = s[end + 1];
      if (before === '@' || after === '@') {
        i = end + 1;
        continue;
      }
      return [i + 1, Math.min(end, s.length)];
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
    if (c === "'" || c === '"' || c === '`') i = closeQuote(s, i);
    else if (c === '?') out.set(i, out.size);
  }
  return out;
}

function placeholderAfter(s: string, i: number): number | undefined {
  let words = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (c === '?') return i;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '=' || c === '(') i++;
    else if (/[A-Za-z0-9_$]/.test(c) && ++words <= 3) {
      while (i < s.length && /[A-Za-z0-9_$]/.test(s[i]!)) i++;
    } else return undefined;
  }
  return undefined;
}
