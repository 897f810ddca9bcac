// Fuzz: random strings (from the language's own alphabet, so that they get deep into the parser)
// either parse into a filter that answers true or false, or throw FilterError with a column
// inside the expression. Anything else (TypeError, RangeError, a hang) fails. Bounded in count
// and time.
import t from 'tap';
import { FilterError, parseFilter } from '../../src/filter/index.js';
import { ex } from '../helpers/exchanges.js';

const PIECES = [
  'protocol',
  'proto',
  'conn',
  'route',
  'sql',
  'cmd',
  'url',
  'error',
  'status',
  'latency',
  'rows',
  'txn',
  'method',
  'incomplete',
  'or',
  'and',
  'not',
  '!',
  '(',
  ')',
  ':',
  '~',
  '>',
  '<',
  '>=',
  '<=',
  '=',
  '!=',
  '"',
  '\\',
  ' ',
  ' ',
  'postgres',
  '5xx',
  '404',
  '50ms',
  '1s',
  '3',
  '*',
  '[',
  ']',
  '/',
  '.',
  '$',
  '+',
  '?',
  '{',
  '}',
  'é',
  '\n',
  'x',
  'select',
];

let seed = 0x2545f491;
const rand = (n: number): number => {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) % n;
};

const samples = [
  ex({ latencyMs: 3, request: { sql: 'select 1' }, response: { rows: 1 } }),
  ex({ protocol: 'redis', request: { text: 'GET a', command: ['GET', 'a'] }, response: null }),
  ex({ protocol: 'http', request: { text: 'GET /', url: '/' }, response: { status: 500 } }),
];

t.test('random expressions: a Filter or a FilterError, nothing else', async (t) => {
  const deadline = Date.now() + 20_000;
  let parsed = 0;
  let refused = 0;
  for (let i = 0; i < 30_000 && Date.now() < deadline; i++) {
    let s = '';
    const n = 1 + rand(12);
    for (let k = 0; k < n; k++) {
      s += rand(8) === 0 ? String.fromCharCode(rand(128)) : PIECES[rand(PIECES.length)];
    }
    try {
      const f = parseFilter(s);
      for (const x of samples) {
        const r = f.match(x);
        if (typeof r !== 'boolean') t.fail(`${JSON.stringify(s)} answered ${String(r)}`);
      }
      parsed++;
    } catch (err) {
      if (!(err instanceof FilterError)) {
        t.fail(`${JSON.stringify(s)} threw ${String(err)}`);
        return;
      }
      if (!(err.column >= 1 && err.column <= s.length + 1)) {
        t.fail(`${JSON.stringify(s)}: column ${err.column} outside 1..${s.length + 1}`);
        return;
      }
      refused++;
    }
  }
  t.ok(parsed > 100, `some random expressions parse (${parsed})`);
  t.ok(refused > 100, `some are refused (${refused})`);
});
