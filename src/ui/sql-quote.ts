// Quoting for the copy-as commands: SQL literals and psql meta-command arguments, and putting
// literals in place of PostgreSQL's $N placeholders without touching a `$1` that sits inside a
// string, a quoted identifier, a comment or a dollar-quoted body.

/** a PostgreSQL literal (standard_conforming_strings on, the default since 9.1); unknown-typed,
 * so the server coerces it as it would the parameter */
export function pgLiteral(v: unknown): string {
  if (v === null || v === undefined) return 'NULL';
  return `'${text(v).replace(/'/g, "''")}'`;
}

/** a psql meta-command argument (\bind): single-quoted, where psql reads C-like escapes */
export function pgBindArg(s: string): string {
  let out = "'";
  for (const ch of s) {
    if (ch === "'") out += "''";
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch < ' ' || ch === '\x7f') out += '\\' + ch.charCodeAt(0).toString(8).padStart(3, '0');
    else out += ch;
  }
  return out + "'";
}

/** a MySQL/MariaDB string literal with backslash escapes (the default sql_mode) */
export function mysqlLiteral(s: string): string {
  const map: Record<string, string> = {
    '\0': '\\0',
    '\\': '\\\\',
    "'": "\\'",
    '"': '\\"',
    '\n': '\\n',
    '\r': '\\r',
    '\x1a': '\\Z',
  };
  let out = "'";
  for (const c of s) out += map[c] ?? c;
  return out + "'";
}

/** replaces $1..$N outside quotes and comments with the given literals */
export function substituteParams(sql: string, literals: string[]): string {
  let out = '';
  let i = 0;
  const n = sql.length;
  const copyUntil = (end: number): void => {
    out += sql.slice(i, end);
    i = end;
  };
  while (i < n) {
    const c = sql[i]!;
    const next = sql[i + 1];
    if (c === "'" || c === '"') {
      const escapes = c === "'" && /[eE]/.test(sql[i - 1] ?? '') && !/\w/.test(sql[i - 2] ?? '');
      let j = i + 1;
      while (j < n) {
        if (escapes && sql[j] === '\\') j += 2;
        else if (sql[j] === c) {
          if (sql[j + 1] === c) j += 2;
          else break;
        } else j++;
      }
      copyUntil(Math.min(n, j + 1));
    } else if (c === '-' && next === '-') {
      const nl = sql.indexOf('\n', i);
      copyUntil(nl === -1 ? n : nl);
    } else if (c === '/' && next === '*') {
      let depth = 0;
      let j = i;
      while (j < n) {
        if (sql[j] === '/' && sql[j + 1] === '*') {
          depth++;
          j += 2;
        } else if (sql[j] === '*' && sql[j + 1] === '/') {
          depth--;
          j += 2;
          if (depth === 0) break;
        } else j++;
      }
      copyUntil(j);
    } else if (c === '$') {
      const num = /^\$(\d+)/.exec(sql.slice(i, i + 12));
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i, i + 66));
      if (num && !/[\w$]/.test(sql[i - 1] ?? '')) {
        const k = Number(num[1]) - 1;
        out += literals[k] ?? num[0];
        i += num[0].length;
      } else if (tag && !/\w/.test(sql[i - 1] ?? '')) {
        const close = sql.indexOf(tag[0], i + tag[0].length);
        copyUntil(close === -1 ? n : close + tag[0].length);
      } else copyUntil(i + 1);
    } else copyUntil(i + 1);
  }
  return out;
}

function text(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 't' : 'f';
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  return JSON.stringify(v);
}
