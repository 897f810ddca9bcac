// The fingerprint shortcut for statements that differ only in their numbers (number-shape.ts):
// it must never put together two statements that the lexer normaliser tells apart.
import t from 'tap';
import {
  NumberShapeCache,
  numberShapeHash,
  sameNumberShape,
} from '../../src/digest/number-shape.js';
import { normalizeSql } from '../../src/digest/sql-normalize.js';
import type { Dialect } from '../../src/digest/sql-normalize.js';
import {
  clearFingerprintCache,
  fingerprintOf,
  fingerprintReady,
} from '../../src/digest/fingerprint.js';

const same = (a: string, b: string): boolean =>
  numberShapeHash(a) >= 0 &&
  numberShapeHash(a) === numberShapeHash(b) &&
  sameNumberShape(a, b) &&
  sameNumberShape(b, a);

t.test('numbers that start a token are marked, the rest is compared as it is', async (t) => {
  t.ok(same('select * from t where id = 1', 'select * from t where id = 48213'));
  t.ok(same('select 1.5, -2, 3e4 from t', 'select 22.75, -9, 1e4 from t'));
  t.ok(same("select 'a 1' from t", "select 'a 22' from t"), 'inside a string: one literal');
  t.notOk(same('select * from t1', 'select * from t2'), 'a digit inside a name');
  t.notOk(same('select $1 from t', 'select $2 from t'), 'parameters are not numbers');
  t.notOk(same('select * from t where id = 1', 'select * from t where id = '), 'a number or none');
  t.notOk(same('select 1 from t', 'select 1 from u'));
  t.notOk(same('select 1, 2', 'select 1, 2, 3'), 'another count of numbers');
  t.notOk(same('select 1', 'select 1 '), 'a trailing space');
  t.equal(numberShapeHash('select "col 1" from t'), -1, 'quoted names: not this shortcut');
  t.equal(numberShapeHash('select `c1` from t'), -1, 'MySQL quoted names neither');
  t.equal(numberShapeHash('select 0x1F'), -1, 'hex numbers neither (1x1F is a number and a word)');
});

t.test('the cache checks the statement, not only the hash', async (t) => {
  const c = new NumberShapeCache<string>(4);
  const a = 'select a from t where id = 1';
  c.set(numberShapeHash(a), a, 'A');
  t.equal(c.get(numberShapeHash(a), 'select a from t where id = 99'), 'A');
  t.equal(c.get(numberShapeHash(a), 'select b from t where id = 99'), undefined, 'a collision');
  for (let i = 0; i < 5; i++) c.set(i, `select ${i}`, String(i));
  t.equal(c.get(numberShapeHash(a), a), undefined, 'bounded: dropped when full');
});

/** a small deterministic PRNG (mulberry32), so that a failure reproduces */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

// the characters the normaliser treats specially, and some plain ones
const PIECES = [
  ...'0123456789'.split(''),
  '0x',
  'x',
  'e',
  'E',
  '_',
  '$',
  '$$',
  '.',
  '-',
  '--',
  '+',
  ' ',
  '\n',
  "'",
  "E'",
  '\\',
  '/*',
  '*/',
  '#',
  '?',
  '(',
  ')',
  ',',
  '=',
  'in',
  ' in (',
  'select',
  'where',
  'a1',
  'é',
  ';',
];

function randomSql(r: () => number): string {
  let s = '';
  const n = 1 + Math.floor(r() * 14);
  for (let i = 0; i < n; i++) s += PIECES[Math.floor(r() * PIECES.length)];
  return s;
}

/** the same text with every digit run that is marked replaced by other digits */
function renumber(s: string, r: () => number): string {
  return s.replace(/(^|[^0-9A-Za-z_$\u0080-\uffff])([0-9]+)/g, (_m, before: string) => {
    let d = String(Math.floor(r() * 10));
    while (r() < 0.4) d += String(Math.floor(r() * 10));
    return before + d;
  });
}

t.test('fuzz: what the shortcut calls the same, the normaliser digests the same', async (t) => {
  const r = rng(20261202);
  let matched = 0;
  let failures = 0;
  for (let i = 0; i < 20000 && failures < 5; i++) {
    const a = randomSql(r);
    const b = r() < 0.8 ? renumber(a, r) : randomSql(r);
    if (!same(a, b)) continue;
    matched++;
    for (const d of ['postgres', 'mysql'] as Dialect[]) {
      const na = normalizeSql(a, d);
      const nb = normalizeSql(b, d);
      if (na !== nb) {
        failures++;
        t.fail(`${d}: ${JSON.stringify(a)} and ${JSON.stringify(b)} digest as ${na} / ${nb}`);
      }
    }
  }
  t.equal(failures, 0, 'no pair the shortcut joins is told apart by the normaliser');
  t.ok(matched > 5000, `the fuzz exercised the shortcut (${matched} pairs)`);
});

t.test('through fingerprintOf: the same answer as without the shortcut', async (t) => {
  await fingerprintReady();
  clearFingerprintCache();
  const pg = (sql: string) => fingerprintOf('postgres', { text: sql, sql });
  const first = pg('SELECT abalance FROM pgbench_accounts WHERE aid = 48213;');
  const again = pg('SELECT abalance FROM pgbench_accounts WHERE aid = 7;');
  t.equal(again, first, 'the second call is the cached fingerprint');
  t.equal(first.fingerprint, 'SELECT abalance FROM pgbench_accounts WHERE aid = $1;');
  const other = pg('SELECT abalance FROM pgbench_accounts WHERE bid = 7;');
  t.equal(other.fingerprint, 'SELECT abalance FROM pgbench_accounts WHERE bid = $1;');
  t.not(other.fingerprintId, first.fingerprintId);
  const quoted = pg('select "c1" from t where id = 3');
  t.equal(quoted.fingerprint, 'select "c1" from t where id = $1', 'the normaliser still answers');
});
