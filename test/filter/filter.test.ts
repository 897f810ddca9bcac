// The filter language (docs/filter.md): a table of expressions against hand-built exchanges, and
// the column of every kind of bad expression.
import t from 'tap';
import { FilterError, parseFilter } from '../../src/filter/index.js';
import { filterFlag } from '../../src/filter/cli.js';
import { LooptapError } from '../../src/util/errors.js';
import { ex } from '../helpers/exchanges.js';

const pgSelect = ex({
  conn: 3,
  route: 'db',
  latencyMs: 72,
  request: { sql: 'SELECT name FROM users WHERE id = $1', params: ['42'], kind: 'extended' },
  response: { text: 'SELECT 120', tag: 'SELECT 120', rows: 120 },
  txn: 'in',
});
const pgError = ex({
  conn: 4,
  latencyMs: 0.3,
  request: { sql: 'update accounts set x = 1' },
  response: {
    text: 'ERROR 40001 could not serialize access',
    error: { code: '40001', message: 'could not serialize access' },
  },
  txn: 'failed',
});
const myError = ex({
  conn: 5,
  protocol: 'mysql',
  latencyMs: 1,
  request: { sql: 'insert into t values (1)' },
  response: { text: 'ERR 1062', error: { code: '1062', sqlState: '23000', message: 'Duplicate' } },
  txn: 'idle',
});
const redisGet = ex({
  conn: 6,
  protocol: 'redis',
  latencyMs: 0.05,
  request: { text: 'GET user:1', command: ['GET', 'user:1'] },
  response: { text: '"bob"', reply: '"bob"' },
});
const redisWrong = ex({
  conn: 6,
  protocol: 'redis',
  latencyMs: 0.05,
  request: { text: 'LPUSH k v', command: ['LPUSH', 'k', 'v'] },
  response: { text: '(error) WRONGTYPE', error: { code: 'WRONGTYPE', message: 'Operation' } },
});
const http404 = ex({
  conn: 7,
  protocol: 'http',
  route: 'web',
  latencyMs: 2000,
  request: { text: 'GET /users/9', method: 'GET', url: '/users/9' },
  response: { text: '404 Not Found', status: 404 },
});
const http503 = ex({
  conn: 8,
  protocol: 'http',
  latencyMs: 5,
  request: { text: 'POST /pay', method: 'POST', url: '/pay' },
  response: { text: '503 Service Unavailable', status: 503 },
});
const lost = ex({
  conn: 9,
  request: { sql: 'select pg_sleep(10)' },
  response: null,
  incomplete: true,
});
const all = { pgSelect, pgError, myError, redisGet, redisWrong, http404, http503, lost };
type Name = keyof typeof all;

const cases: Array<[string, Name[]]> = [
  ['', Object.keys(all) as Name[]],
  ['   ', Object.keys(all) as Name[]],
  ['protocol:postgres', ['pgSelect', 'pgError', 'lost']],
  ['proto:pg', ['pgSelect', 'pgError', 'lost']],
  ['proto:MariaDB', ['myError']],
  ['conn:6', ['redisGet', 'redisWrong']],
  ['conn>7', ['http503', 'lost']],
  ['route:db', ['pgSelect']],
  ['route:web or route:db', ['pgSelect', 'http404']],
  ['sql~users', ['pgSelect']],
  ['sql~^select', ['pgSelect', 'lost']],
  ['sql~/^select/', ['lost']],
  ['sql~"id = \\$1"', ['pgSelect']],
  ['cmd~^get', ['redisGet']],
  ['cmd~"lpush k"', ['redisWrong']],
  ['url~^/users/\\d+$', ['http404']],
  ['method:post', ['http503']],
  ['~serialize', ['pgError']],
  ['~bob', ['redisGet']],
  ['~"not found"', ['http404']],
  ['error', ['pgError', 'myError', 'redisWrong', 'http503']],
  ['error:40001', ['pgError']],
  ['error:1062', ['myError']],
  ['error:23000', ['myError']],
  ['error:23*', ['myError']],
  ['error:wrongtype', ['redisWrong']],
  ['error:503', ['http503']],
  ['!error', ['pgSelect', 'redisGet', 'http404', 'lost']],
  ['not error protocol:redis', ['redisGet']],
  ['status:5xx', ['http503']],
  ['status:404', ['http404']],
  ['status>=400', ['http404', 'http503']],
  ['latency>50ms', ['pgSelect', 'http404']],
  ['latency>=2s', ['http404']],
  ['latency<100us', ['redisGet', 'redisWrong']],
  ['latency<=0.3ms', ['pgError', 'redisGet', 'redisWrong']],
  ['rows>100', ['pgSelect']],
  ['rows=120', ['pgSelect']],
  ['txn', ['pgSelect', 'pgError']],
  ['txn:idle', ['myError']],
  ['incomplete', ['lost']],
  ['protocol:redis or protocol:http and status:5xx', ['redisGet', 'redisWrong', 'http503']],
  ['(protocol:redis or protocol:http) and status:5xx', ['http503']],
  ['(protocol:redis or protocol:http) status:5xx', ['http503']],
  ['!(protocol:postgres or protocol:redis) !error', ['http404']],
  ['not not error:40001', ['pgError']],
  ['sql~(select|update) latency>1ms', ['pgSelect']],
  ['(sql~(select|update))', ['pgSelect', 'pgError', 'lost']],
  ['PROTOCOL:http OR conn:3', ['pgSelect', 'http404', 'http503']],
];

t.test('a table of expressions', async (t) => {
  for (const [expr, want] of cases) {
    const f = parseFilter(expr);
    const got = (Object.keys(all) as Name[]).filter((k) => f.match(all[k]));
    t.same(got, want, JSON.stringify(expr));
    t.equal(f.source, expr);
  }
});

t.test('a request alone (no answer yet): response terms are false', async (t) => {
  const req = {
    conn: 1,
    protocol: 'postgres' as const,
    request: { text: 'select 1', sql: 'select 1' },
  };
  t.ok(parseFilter('sql~select proto:pg').match(req));
  t.notOk(parseFilter('error').match(req));
  t.notOk(parseFilter('latency>0ms').match(req));
  t.ok(parseFilter('!rows>0').match(req));
});

const bad: Array<[string, number, RegExp]> = [
  ['protocol:', 10, /expected a value after protocol:/],
  ['protocol:oracle', 10, /unknown protocol "oracle"/],
  ['foo:bar', 1, /unknown term "foo"/],
  ['sql~users and', 14, /expected a term/],
  ['(sql~a', 1, /never closed/],
  ['sql~a)', 6, /unexpected "\)"/],
  ['()', 2, /empty parentheses/],
  ['sql~"abc', 5, /quoted value is never closed/],
  ['sql~(', 5, /bad regular expression/],
  ['url~[a-', 5, /bad regular expression/],
  ['latency>fast', 9, /duration/],
  ['latency:5ms', 8, /latency does not take ":"/],
  ['rows>1.5', 6, /whole number/],
  ['status:6xx', 8, /status is a code/],
  ['sql:select', 4, /sql does not take ":".*sql~REGEX/],
  ['protocol', 9, /protocol needs a value/],
  ['txn:maybe', 5, /txn is idle, in or failed/],
  ['error~x', 6, /error does not take "~"/],
  ['conn:3 $x', 8, /unexpected "\$"/],
  ['!', 2, /expected a term/],
  ['a or', 1, /unknown term "a"/],
  ['conn:1 or', 10, /expected a term/],
];

t.test('bad expressions throw FilterError at the right column', async (t) => {
  for (const [expr, column, re] of bad) {
    try {
      parseFilter(expr);
      t.fail(`${expr} parsed`);
    } catch (err) {
      t.type(err, FilterError, expr);
      const e = err as FilterError;
      t.equal(e.column, column, `${JSON.stringify(expr)}: ${e.message}`);
      t.match(e.message, re, expr);
      t.equal(e.expression, expr);
    }
  }
});

t.test('the CLI form: a usage error with a caret under the column', async (t) => {
  t.equal(filterFlag(undefined).match(pgError), true);
  try {
    filterFlag('conn:3 latency>x');
    t.fail('parsed');
  } catch (err) {
    t.type(err, LooptapError);
    const e = err as LooptapError;
    t.equal(e.exit, 2);
    const [line, expr, caret] = e.message.split('\n');
    t.match(line, /^bad --filter at column 16: latency takes a duration/);
    t.equal(expr, '  conn:3 latency>x');
    t.equal(caret, '  ' + ' '.repeat(15) + '^');
  }
});
