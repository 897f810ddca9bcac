// "Copy as": a shell command that sends an exchange's request again, to the server it went to.
// Every value is quoted for a POSIX shell (single quotes), then for the tool's own syntax:
// SQL literals (PostgreSQL standard strings, MySQL backslash strings), psql meta-command
// arguments, conninfo values, curl with globbing off and --data-raw (no @file). A value that
// was redacted is never sent: a redacted header is left out, and every other mask becomes a
// shell parameter that must be set (`${LOOPTAP_SECRET_1:?...}`), so that a command pasted as it
// is stops in the shell instead of sending the mask to the server as if it were the value.

import type { ExchangeEvent } from '../events.js';
import { REDACTED } from '../decoders/summary-text.js';
import { substituteParams, pgLiteral, mysqlLiteral, pgBindArg } from './sql-quote.js';

export interface CopyTarget {
  /** host:port or a URL, as the open event names the target */
  target?: string;
  user?: string;
  database?: string;
}

export interface CopyCommand {
  label: string;
  command: string;
  notes: string[];
}

const SAFE = /^[A-Za-z0-9_/.:,@%+=^-]+$/;

/** one shell word */
export function sh(s: string): string {
  if (s !== '' && SAFE.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export function copyAs(x: ExchangeEvent, to: CopyTarget): CopyCommand[] {
  const notes: string[] = [];
  const req = x.request;
  if (req.truncated) notes.push('a value was cut at --max-value: the command sends the cut value');
  switch (x.protocol) {
    case 'postgres':
      return postgres(x, to, notes).map((c) => fillIns(c, DECODED_MASK));
    case 'mysql':
      return mysql(x, to, notes).map((c) => fillIns(c, DECODED_MASK));
    case 'redis':
      return redis(x, to, notes).map((c) => fillIns(c, DECODED_MASK));
    case 'http':
      return curl(x, to, notes).map((c) => fillIns(c, HTTP_MASK));
  }
}

const escaped = REDACTED.replace(/[[\]]/g, '\\$&');
/** the mask decoders write in a decoded field (SQL literal, parameter, Redis argument, header) */
const DECODED_MASK = new RegExp(escaped, 'g');
/** HTTP also masks body and URL bytes in place with '*' (docs/redaction.md) */
const HTTP_MASK = new RegExp(`${escaped}|\\*{3,}`, 'g');
/** what a masked value becomes in the command: the shell stops with this text if it is unset */
const secretParam = (n: number): string =>
  `'"\${LOOPTAP_SECRET_${n}:?redacted in the capture, set LOOPTAP_SECRET_${n}}"'`;

/** every mask in a command becomes a parameter to set. Each mask is inside a single-quoted word
 * (sh() quotes any word holding '[' or '*', and its quote escapes hold neither), so closing the
 * quote, expanding in double quotes and reopening it keeps the word one word. */
function fillIns(c: CopyCommand, mask: RegExp): CopyCommand {
  let n = 0;
  const command = c.command.replace(mask, () => secretParam(++n));
  if (n === 0) return c;
  const names = n === 1 ? 'LOOPTAP_SECRET_1' : `LOOPTAP_SECRET_1 to LOOPTAP_SECRET_${n}`;
  const note =
    `${n === 1 ? 'a value was' : `${n} values were`} redacted in the capture: the command ` +
    `reads ${n === 1 ? 'it' : 'them, in the order they appear,'} from ${names} and stops ` +
    `before sending anything while ${n === 1 ? 'it is' : 'one is'} unset`;
  return { ...c, command, notes: [...c.notes, note] };
}

function hostPort(target: string | undefined, fallback: number): { host: string; port: number } {
  if (!target) return { host: '127.0.0.1', port: fallback };
  if (target.includes('://')) {
    const u = new URL(target);
    return { host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port) || fallback };
  }
  const i = target.lastIndexOf(':');
  const host = i > 0 ? target.slice(0, i).replace(/^\[|\]$/g, '') : '127.0.0.1';
  const port = Number(target.slice(i + 1)) || fallback;
  return { host, port };
}

const hasNul = (v: unknown): boolean => typeof v === 'string' && v.includes('\0');
/** a header value holding a mask is left out whole: a header is not worth a parameter */
const redactedHeader = (v: string): boolean => v.includes(REDACTED) || /\*{3,}/.test(v);

function postgres(x: ExchangeEvent, to: CopyTarget, notes: string[]): CopyCommand[] {
  const { host, port } = hostPort(to.target, 5432);
  const conninfo = [
    `host=${pgConnValue(host)}`,
    `port=${port}`,
    ...(to.user ? [`user=${pgConnValue(to.user)}`] : []),
    ...(to.database ? [`dbname=${pgConnValue(to.database)}`] : []),
  ].join(' ');
  const base = `psql -X -v ON_ERROR_STOP=1 ${sh(conninfo)}`;
  const sql = (x.request.sql ?? x.request.text).replace(/[\s;]+$/, '');
  const params = x.request.params ?? [];
  const out: CopyCommand[] = [];
  if (params.some(hasNul) || sql.includes('\0')) {
    notes.push('a value holds a NUL byte, which no shell argument can carry: it was removed');
  }
  if (!to.user) notes.push('the user was not seen: add user=... (or set PGUSER)');
  notes.push('a password is never captured: set PGPASSWORD or use ~/.pgpass if the server asks');
  const inlined = params.length ? substituteParams(sql, params.map(pgLiteral)) : sql;
  out.push({
    label: params.length ? 'psql (parameters inlined)' : 'psql',
    command: `${base} -c ${sh(stripNul(inlined))}`,
    notes,
  });
  if (params.length) {
    const bind = params.map((p) => (p === null ? "''" : pgBindArg(String(valueText(p)))));
    const input = `${stripNul(sql)}\n\\bind ${bind.join(' ')} \\g\n`;
    const bindNotes = [...notes, 'needs psql 16 or later (\\bind)'];
    if (params.some((p) => p === null)) {
      bindNotes.push('\\bind cannot send NULL: a NULL parameter is sent as the empty string');
    }
    out.push({
      label: 'psql with \\bind',
      command: `printf '%s' ${sh(stripNul(input))} | ${base} -f -`,
      notes: bindNotes,
    });
  }
  return out;
}

function mysql(x: ExchangeEvent, to: CopyTarget, notes: string[]): CopyCommand[] {
  const { host, port } = hostPort(to.target, 3306);
  const args = ['mysql', '--protocol=TCP', '-h', host, '-P', String(port)];
  if (to.user) args.push('-u', to.user);
  else notes.push('the user was not seen: add -u USER');
  if (to.database) args.push('-D', to.database);
  notes.push('a password is never captured: add -p or set MYSQL_PWD if the server asks');
  const sql = (x.request.sql ?? x.request.text).replace(/[\s;]+$/, '');
  const params = x.request.params ?? [];
  let script = sql;
  if (params.length) {
    const names = params.map((_, i) => `@looptap_p${i + 1}`);
    script =
      `PREPARE looptap_stmt FROM ${mysqlLiteral(sql)}; ` +
      `SET ${names.map((n, i) => `${n} = ${mysqlValue(params[i])}`).join(', ')}; ` +
      `EXECUTE looptap_stmt USING ${names.join(', ')}; DEALLOCATE PREPARE looptap_stmt`;
  }
  return [
    {
      label: 'mysql',
      command: `${args.map(sh).join(' ')} -e ${sh(stripNul(script))}`,
      notes,
    },
  ];
}

function mysqlValue(v: unknown): string {
  if (v === null || v === undefined) return 'NULL';
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v === 'boolean') return v ? '1' : '0';
  return mysqlLiteral(String(valueText(v)));
}

function redis(x: ExchangeEvent, to: CopyTarget, notes: string[]): CopyCommand[] {
  const { host, port } = hostPort(to.target, 6379);
  const argv = x.request.command ?? x.request.text.split(' ');
  if (argv.some(hasNul)) notes.push('an argument holds a NUL byte: it was removed');
  notes.push('a password is never captured: add -a PASSWORD (or REDISCLI_AUTH) if needed');
  const words = ['redis-cli', '-h', host, '-p', String(port), ...argv.map(stripNul)];
  return [{ label: 'redis-cli', command: words.map(sh).join(' '), notes }];
}

const SKIP_HEADERS = new Set([
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'te',
  'trailer',
  'proxy-connection',
]);

function curl(x: ExchangeEvent, to: CopyTarget, notes: string[]): CopyCommand[] {
  const req = x.request;
  const method = req.method ?? 'GET';
  const path = req.url ?? '/';
  let url: string;
  if (/^https?:\/\//i.test(path)) url = path;
  else if (to.target?.includes('://')) url = new URL(to.target).origin + path;
  else {
    const { host, port } = hostPort(to.target, 80);
    url = `http://${host.includes(':') ? `[${host}]` : host}:${port}${path}`;
  }
  const words = ['curl', '-sS', '-g', '--path-as-is'];
  words.push(...(method === 'HEAD' ? ['-I'] : method === 'GET' ? [] : ['-X', method]));
  words.push(url);
  for (const [name, value] of Object.entries(req.headers ?? {})) {
    if (SKIP_HEADERS.has(name.toLowerCase())) continue;
    for (const v of Array.isArray(value) ? value : [value]) {
      if (redactedHeader(v)) {
        notes.push(`${name} was redacted in the capture and is left out: add -H '${name}: ...'`);
        continue;
      }
      words.push('-H', v === '' ? `${name};` : `${name}: ${v}`);
    }
  }
  if (req.body !== undefined && req.body !== '') {
    words.push('--data-raw', stripNul(req.body));
    if ((req.bodyBytes ?? 0) > Buffer.byteLength(req.body) || req.truncated) {
      notes.push('the body was cut in the capture: the command sends the kept part');
    }
  } else if ((req.bodyBytes ?? 0) > 0) {
    notes.push(`the ${req.bodyBytes} byte body was not text and is not in the command`);
  }
  return [{ label: 'curl', command: words.map(sh).join(' '), notes }];
}

function pgConnValue(v: string): string {
  if (/^[A-Za-z0-9_.\-/]+$/.test(v)) return v;
  return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function valueText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 't' : 'f';
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  return JSON.stringify(v);
}

const stripNul = (s: string): string => s.replace(/\0/g, '');

export { valueText };
