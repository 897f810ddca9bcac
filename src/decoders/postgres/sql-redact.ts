// Finds password literals in SQL text so they can be replaced in the `sql` field and masked in
// the raw bytes: `ALTER ROLE x PASSWORD 'secret'`, `CREATE USER x WITH PASSWORD E'...'`, psql's
// `\password` (`ALTER USER x PASSWORD 'SCRAM-SHA-256$4096:...'`), `OPTIONS (password 'x')` of a
// user mapping, and `password=...` inside conninfo strings (CREATE SUBSCRIPTION, dblink).

import { REDACTED } from '../summary-text.js';

export interface SqlSecret {
  /** character offsets in the sql string of the secret (the literal, quotes included) */
  start: number;
  end: number;
}

// PASSWORD followed by a literal: 'std', E'esc', $$dollar$$, $tag$...$tag$; an unterminated
// literal (sql cut by the size cap) runs to the end
const KEYWORD_LITERAL =
  /\bpassword\s+((?:[eE]'(?:\\.|''|[^'\\])*(?:'|$))|(?:'(?:''|[^'])*(?:'|$))|(?:(\$[A-Za-z_0-9]*\$)[\s\S]*?(?:\2|$)))/gi;
// password=value inside a conninfo string (value up to a space or a quote)
const CONNINFO = /\bpassword\s*=\s*((?:'(?:\\.|[^'\\])*(?:'|$))|[^\s'";)]+)/gi;

export function findSqlSecrets(sql: string): SqlSecret[] {
  if (!/password/i.test(sql)) return [];
  const out: SqlSecret[] = [];
  for (const re of [KEYWORD_LITERAL, CONNINFO]) {
    re.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = re.exec(sql)) !== null) {
      const lit = m[1] ?? '';
      const end = m.index + m[0].length;
      out.push({ start: end - lit.length, end });
      if (m[0].length === 0) re.lastIndex++;
    }
  }
  return out.sort((a, b) => a.start - b.start);
}

/** the sql with each secret replaced by '[redacted]' */
export function redactSql(sql: string, secrets: SqlSecret[]): string {
  if (secrets.length === 0) return sql;
  let out = '';
  let pos = 0;
  for (const s of secrets) {
    if (s.start < pos) continue;
    out += sql.slice(pos, s.start) + `'${REDACTED}'`;
    pos = s.end;
  }
  return out + sql.slice(pos);
}
