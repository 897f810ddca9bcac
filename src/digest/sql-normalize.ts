// A one-pass SQL lexer that turns a statement into its digest text: literals become placeholders
// (`$n` for PostgreSQL, numbered after the statement's own parameters; `?` for MySQL), lists of
// literals after IN collapse to one (so `in (1,2,3)` and `in (4)` group together), comments go
// (sqlcommenter's included) and whitespace is tidied. PostgreSQL statements then go through the
// real parser (pg-fingerprint.ts); this is its cache key and its fallback, and MySQL's digest.

export type Dialect = 'postgres' | 'mysql';

/** statements longer than this are digested by their first MAX_SQL characters */
export const MAX_SQL = 16 * 1024;

const enum K {
  Word,
  Lit,
  Param,
  Open,
  Close,
  Comma,
  Op,
}

const LIT = '\u0000';
// character classes by code: this loop runs over every statement that is not in the cache
const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isWordStart = (c: number): boolean =>
  (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c >= 128;
const isWordChar = (c: number): boolean => isWordStart(c) || isDigit(c) || c === 36;
const isHex = (c: number): boolean =>
  isDigit(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102) || c === 95;
const digitAt = (s: string, i: number): boolean => i < s.length && isDigit(s.charCodeAt(i));
const PREFIXES = new Set(['e', 'b', 'x', 'n', 'u&']);

/** filled in by normalizeSql when given: how many literals it replaced */
export interface NormalizeInfo {
  literals: number;
}

// one lexer loop over every statement's characters, on the path of every exchange: kept whole
// eslint-disable-next-line max-lines-per-function
export function normalizeSql(input: string, dialect: Dialect, info?: NormalizeInfo): string {
  const sql = input.length > MAX_SQL ? input.slice(0, MAX_SQL) : input;
  let literals = 0;
  const toks: string[] = [];
  const kinds: K[] = [];
  const space: boolean[] = [];
  let gap = false;
  let maxParam = 0;
  const push = (t: string, k: K): void => {
    if (k === K.Lit) literals++;
    toks.push(t);
    kinds.push(k);
    space.push(gap);
    gap = false;
  };
  const n = sql.length;
  let i = 0;
  while (i < n) {
    const c = sql[i]!;
    const code = sql.charCodeAt(i);
    if (c === ' ' || c === '\n' || c === '\t' || c === '\r' || c === '\f') {
      gap = true;
      i++;
    } else if ((c === '-' && sql[i + 1] === '-') || (c === '#' && dialect === 'mysql')) {
      while (i < n && sql[i] !== '\n') i++;
      gap = true;
    } else if (c === '/' && sql[i + 1] === '*') {
      i = skipBlockComment(sql, i, dialect === 'postgres');
      gap = true;
    } else if (c === "'" || (c === '"' && dialect === 'mysql')) {
      i = skipString(sql, i, c, dialect === 'mysql');
      push(LIT, K.Lit);
    } else if (c === '"' || c === '`') {
      const end = skipQuoted(sql, i, c);
      push(sql.slice(i, end), K.Word);
      i = end;
    } else if (c === '$' && dialect === 'postgres') {
      let end = i + 1;
      while (digitAt(sql, end)) end++;
      if (end > i + 1) {
        const param = sql.slice(i, end);
        maxParam = Math.max(maxParam, Number(param.slice(1)));
        push(param, K.Param);
        i = end;
      } else {
        const end = skipDollar(sql, i);
        if (end > i) {
          push(LIT, K.Lit);
          i = end;
        } else {
          push('$', K.Op);
          i++;
        }
      }
    } else if (c === '?' && dialect === 'mysql') {
      push('?', K.Param);
      i++;
    } else if (
      isDigit(code) ||
      (c === '.' && digitAt(sql, i + 1)) ||
      (c === '-' && digitAt(sql, i + 1) && !valueBefore(kinds))
    ) {
      i = skipNumber(sql, c === '-' ? i + 1 : i);
      push(LIT, K.Lit);
    } else if (isWordStart(code)) {
      let end = i + 1;
      while (end < n && isWordChar(sql.charCodeAt(end))) end++;
      const word = sql.slice(i, end);
      const after = sql[end];
      // lower-cased only where a prefix can follow: most words are followed by a space
      const lower = after === "'" ? word.toLowerCase() : '';
      if (after === "'" && (PREFIXES.has(lower) || (dialect === 'mysql' && lower[0] === '_'))) {
        i = skipString(sql, end, "'", dialect === 'mysql' || lower === 'e');
        push(LIT, K.Lit);
      } else if ((word === 'u' || word === 'U') && after === '&' && sql[end + 1] === "'") {
        i = skipString(sql, end + 1, "'", false);
        push(LIT, K.Lit);
      } else {
        push(word, K.Word);
        i = end;
      }
    } else if (c === '(') {
      push('(', K.Open);
      i++;
    } else if (c === ')') {
      push(')', K.Close);
      collapseInList(toks, kinds, space, dialect);
      i++;
    } else if (c === ',') {
      push(',', K.Comma);
      i++;
    } else {
      push(c, K.Op);
      i++;
    }
  }
  if (info) info.literals = literals;
  return assemble(toks, kinds, space, dialect, maxParam);
}

/** after a word, literal or ")" a minus is subtraction, not a sign */
function valueBefore(kinds: K[]): boolean {
  const k = kinds[kinds.length - 1];
  return k === K.Word || k === K.Lit || k === K.Param || k === K.Close;
}

/** `in (1, 2, $3)` (literals and parameters only) becomes `in (FIRST /*, ... *\/)` */
function collapseInList(toks: string[], kinds: K[], space: boolean[], dialect: Dialect): void {
  let j = toks.length - 2;
  let items = 0;
  for (; j >= 0; j--) {
    const k = kinds[j]!;
    if (k === K.Open) break;
    if (k === K.Lit || k === K.Param) items++;
    else if (k !== K.Comma) return;
  }
  if (j < 1 || items === 0 || kinds[j - 1] !== K.Word || toks[j - 1]!.toLowerCase() !== 'in')
    return;
  const first = toks[j + 1]!;
  const firstKind = kinds[j + 1]!;
  const inner = dialect === 'mysql' ? ['...'] : [first, ' /*, ... */'];
  const innerKinds = dialect === 'mysql' ? [K.Op] : [firstKind, K.Op];
  toks.splice(j + 1, toks.length - j - 1, ...inner, ')');
  kinds.splice(j + 1, kinds.length - j - 1, ...innerKinds, K.Close);
  space.splice(j + 1, space.length - j - 1, ...inner.map(() => false), false);
}

function assemble(
  toks: string[],
  kinds: K[],
  space: boolean[],
  d: Dialect,
  maxParam: number,
): string {
  let out = '';
  let next = maxParam;
  for (let k = 0; k < toks.length; k++) {
    const kind = kinds[k]!;
    const prev = kinds[k - 1];
    let sep = space[k]! && k > 0;
    if (kind === K.Close || kind === K.Comma || prev === K.Open) sep = false;
    if (prev === K.Comma) sep = true;
    if (sep) out += ' ';
    const t = toks[k]!;
    out += t === LIT ? (d === 'mysql' ? '?' : `$${++next}`) : t;
  }
  return out;
}

function skipBlockComment(sql: string, i: number, nests: boolean): number {
  let depth = 0;
  const n = sql.length;
  while (i < n) {
    if (sql[i] === '/' && sql[i + 1] === '*') {
      depth = nests ? depth + 1 : 1;
      i += 2;
    } else if (sql[i] === '*' && sql[i + 1] === '/') {
      i += 2;
      if (--depth === 0) return i;
    } else i++;
  }
  return n;
}

/** a '...' string from its opening quote: a doubled quote stays inside; with `backslash`,
 * \x escapes too (MySQL, PostgreSQL E'...') */
function skipString(sql: string, i: number, q: string, backslash: boolean): number {
  const n = sql.length;
  i++;
  while (i < n) {
    const c = sql[i]!;
    if (backslash && c === '\\') i += 2;
    else if (c === q) {
      if (sql[i + 1] === q) i += 2;
      else return i + 1;
    } else i++;
  }
  return n;
}

function skipQuoted(sql: string, i: number, q: string): number {
  return skipString(sql, i, q, false);
}

/** $$...$$ or $tag$...$tag$; returns i when it is not a dollar quote */
function skipDollar(sql: string, i: number): number {
  const m = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i, i + 66));
  if (!m) return i;
  const close = sql.indexOf(m[0], i + m[0].length);
  return close === -1 ? sql.length : close + m[0].length;
}

function skipNumber(sql: string, i: number): number {
  const n = sql.length;
  if (sql[i] === '0' && (sql[i + 1] === 'x' || sql[i + 1] === 'X')) {
    i += 2;
    while (i < n && isHex(sql.charCodeAt(i))) i++;
    return i;
  }
  while (i < n && (digitAt(sql, i) || sql[i] === '_')) i++;
  if (sql[i] === '.') {
    i++;
    while (digitAt(sql, i)) i++;
  }
  if (
    (sql[i] === 'e' || sql[i] === 'E') &&
    (digitAt(sql, i + 1) || sql[i + 1] === '-' || sql[i + 1] === '+')
  ) {
    i += 2;
    while (digitAt(sql, i)) i++;
  }
  return i;
}
