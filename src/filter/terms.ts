// The terms of the filter language and what each matches on an exchange (docs/filter.md). A term
// is checked when it is parsed (its operator, its value, its regex), so a filter that parsed can
// only answer true or false.

import type { Matchable } from './index.js';
import type { Value } from './parser.js';

export type Op = ':' | '~' | '>' | '<' | '>=' | '<=' | '=' | '!=';
export type Test = (x: Matchable) => boolean;
type Fail = (column: number, reason: string) => Error;

const PROTOCOLS: Record<string, string> = {
  postgres: 'postgres',
  postgresql: 'postgres',
  pg: 'postgres',
  mysql: 'mysql',
  mariadb: 'mysql',
  redis: 'redis',
  http: 'http',
};

export const TERMS =
  'protocol, proto, conn, route, sql, cmd, url, method, ~, error, status, latency, rows, txn, incomplete';

const CMP: Op[] = ['>', '<', '>=', '<=', '=', '!='];

/** a term being parsed; `want` throws unless the term's operator is one of `ops` */
interface TermCall {
  name: string;
  op: Op | undefined;
  v: Value | undefined;
  fail: Fail;
  want: (ops: Array<Op | undefined>, example: string) => void;
}

export function term(
  name: string,
  op: Op | undefined,
  at: number,
  v: Value | undefined,
  fail: Fail,
): Test {
  const want = (ops: Array<Op | undefined>, example: string): void => {
    if (!ops.includes(op)) {
      const col = v ? v.column - (op?.length ?? 0) : at + name.length;
      throw fail(
        col,
        `${name} ${op ? `does not take "${op}"` : 'needs a value'}: write ${example}`,
      );
    }
  };
  const parse = TERM_PARSERS.get(name);
  if (!parse) throw fail(at, `unknown term "${name}" (terms: ${TERMS})`);
  return parse({ name, op, v, fail, want });
}

const TERM_PARSERS = new Map<string, (t: TermCall) => Test>([
  ['~', anyText],
  ['protocol', protocolTerm],
  ['proto', protocolTerm],
  ['route', routeTerm],
  ['method', methodTerm],
  ['sql', regexTerm],
  ['cmd', regexTerm],
  ['url', regexTerm],
  ['error', errorTerm],
  ['txn', txnTerm],
  ['incomplete', incompleteTerm],
  ['status', statusTerm],
  ['conn', countTerm],
  ['rows', countTerm],
  ['latency', latencyTerm],
]);

function anyText({ v, fail }: TermCall): Test {
  const re = regex(v!, fail);
  return (x) => re.test(x.request.text) || (x.response !== undefined && re.test(x.response.text));
}

function protocolTerm({ name, v, fail, want }: TermCall): Test {
  want([':'], `${name}:postgres`);
  const p = PROTOCOLS[v!.text.toLowerCase()];
  if (!p)
    throw fail(v!.column, `unknown protocol "${v!.text}": use postgres, mysql, redis or http`);
  return (x) => x.protocol === p;
}

function routeTerm({ v, want }: TermCall): Test {
  want([':'], 'route:NAME');
  const r = v!.text;
  return (x) => x.route === r;
}

function methodTerm({ v, want }: TermCall): Test {
  want([':'], 'method:GET');
  const m = v!.text.toUpperCase();
  return (x) => x.request.method?.toUpperCase() === m;
}

function regexTerm({ name, v, fail, want }: TermCall): Test {
  want(['~'], `${name}~REGEX`);
  const re = regex(v!, fail);
  if (name === 'sql') return (x) => x.request.sql !== undefined && re.test(x.request.sql);
  if (name === 'url') return (x) => x.request.url !== undefined && re.test(x.request.url);
  return (x) => x.request.command !== undefined && re.test(x.request.command.join(' '));
}

function errorTerm({ v, want }: TermCall): Test {
  want([undefined, ':'], 'error or error:40001');
  if (!v) return isError;
  return errorCode(v.text);
}

function txnTerm({ v, fail, want }: TermCall): Test {
  want([undefined, ':'], 'txn or txn:failed');
  if (!v) return (x) => x.txn === 'in' || x.txn === 'failed';
  const s = v.text.toLowerCase();
  if (s !== 'idle' && s !== 'in' && s !== 'failed')
    throw fail(v.column, `txn is idle, in or failed, not "${v.text}"`);
  return (x) => x.txn === s;
}

function incompleteTerm({ want }: TermCall): Test {
  want([undefined], 'incomplete');
  return (x) => x.incomplete === true;
}

function statusTerm({ op, v, fail, want }: TermCall): Test {
  want([':', ...CMP], 'status:5xx, status:404 or status>=400');
  const s = v!.text;
  if (op === ':' && /^[1-5]xx$/i.test(s)) {
    const hundred = Number(s[0]);
    return (x) =>
      x.response?.status !== undefined && Math.floor(x.response.status / 100) === hundred;
  }
  if (!/^\d{3}$/.test(s))
    throw fail(v!.column, `status is a code like 404 or a class like 5xx, not "${s}"`);
  return compare((x) => x.response?.status, op!, Number(s));
}

function countTerm({ name, op, v, fail, want }: TermCall): Test {
  want([':', ...CMP], `${name}>100 or ${name}:3`);
  if (!/^\d+$/.test(v!.text))
    throw fail(v!.column, `${name} takes a whole number, not "${v!.text}"`);
  const n = Number(v!.text);
  return name === 'conn'
    ? compare((x) => x.conn, op!, n)
    : compare((x) => x.response?.rows, op!, n);
}

function latencyTerm({ op, v, fail, want }: TermCall): Test {
  want(CMP, 'latency>50ms (units us, ms, s)');
  const m = /^(\d+(?:\.\d+)?|\.\d+)(us|µs|ms|s)?$/i.exec(v!.text);
  if (!m)
    throw fail(v!.column, `latency takes a duration like 50ms, 1.5s or 300us, not "${v!.text}"`);
  const unit = (m[2] ?? 'ms').toLowerCase();
  const ms = Number(m[1]) * (unit === 's' ? 1000 : unit === 'ms' ? 1 : 0.001);
  return compare((x) => x.latencyMs, op!, ms);
}

/** an error answer: an error field (SQLSTATE, MySQL, Redis) or an HTTP status of 500 or more */
export function isError(x: Pick<Matchable, 'response'>): boolean {
  const r = x.response;
  return r !== undefined && (r.error !== undefined || (r.status !== undefined && r.status >= 500));
}

/** SQLSTATE, MySQL number or Redis prefix, any case; a trailing * matches a prefix (23*) */
function errorCode(code: string): Test {
  const prefix = code.endsWith('*');
  const want = (prefix ? code.slice(0, -1) : code).toLowerCase();
  const same = (s: string | undefined): boolean => {
    if (s === undefined) return false;
    const l = s.toLowerCase();
    return prefix ? l.startsWith(want) : l === want;
  };
  return (x) => {
    const r = x.response;
    if (!r) return false;
    if (r.error && (same(r.error.code) || same(r.error.sqlState))) return true;
    return r.status !== undefined && r.status >= 500 && same(String(r.status));
  };
}

function compare(get: (x: Matchable) => number | undefined, op: Op, n: number): Test {
  switch (op) {
    case '>':
      return (x) => (get(x) ?? NaN) > n;
    case '<':
      return (x) => (get(x) ?? NaN) < n;
    case '>=':
      return (x) => (get(x) ?? NaN) >= n;
    case '<=':
      return (x) => (get(x) ?? NaN) <= n;
    case '!=': {
      return (x) => {
        const g = get(x);
        return g !== undefined && g !== n;
      };
    }
    default:
      return (x) => get(x) === n;
  }
}

/** a regex, case-insensitive unless written /RE/flags (then exactly those flags) */
function regex(v: Value, fail: Fail): RegExp {
  let source = v.text;
  let flags = 'i';
  const slashed = !v.quoted && /^\/(.*)\/([imsu]*)$/s.exec(source);
  if (slashed) {
    source = slashed[1]!;
    flags = slashed[2]!;
  }
  try {
    return new RegExp(source, flags);
  } catch (err) {
    const why = (err as Error).message.replace(/^Invalid regular expression: /, '');
    throw fail(v.column, `bad regular expression (${why}); quote it or escape the character`);
  }
}
