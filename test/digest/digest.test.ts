// The digest (docs/stats.md): per-fingerprint counts and percentiles, the sorts, the bound on
// rows, and N+1 findings with their HTTP parent.
import t from 'tap';
import { Digest, OTHER } from '../../src/digest/index.js';
import { fingerprintReady } from '../../src/digest/fingerprint.js';
import { ex } from '../helpers/exchanges.js';

t.before(fingerprintReady);

t.test('rows: calls, errors, rows, total and percentiles per fingerprint', async (t) => {
  const d = new Digest();
  for (let i = 1; i <= 100; i++) {
    d.add(
      ex({
        latencyMs: i,
        request: { sql: `select * from t where id = ${i}` },
        response: { rows: 2 },
      }),
    );
  }
  d.add(
    ex({
      latencyMs: 0.5,
      request: { sql: 'select 1/0' },
      response: { text: 'ERROR', error: { code: '22012', message: 'division by zero' } },
    }),
  );
  d.add(ex({ request: { sql: 'select pg_sleep(100)' }, response: null, incomplete: true }));
  const rows = d.rows();
  t.equal(rows.length, 3);
  const big = rows[0]!;
  t.match(big, {
    protocol: 'postgres',
    fingerprint: 'select * from t where id = $1',
    calls: 100,
    errors: 0,
    rows: 200,
    totalMs: 5050,
    maxMs: 100,
  });
  t.ok(Math.abs(big.p50Ms - 50) <= 0.05, `p50 ${big.p50Ms} within 0.1%`);
  t.ok(Math.abs(big.p95Ms - 95) <= 0.1, `p95 ${big.p95Ms}`);
  t.match(big.fingerprintId, /^[0-9a-f]{16}$/);
  const err = rows.find((r) => r.fingerprint === 'select $1/$2')!;
  t.match(err, { calls: 1, errors: 1, p50Ms: 0.5, p95Ms: 0.5, maxMs: 0.5 });
  const lost = rows.find((r) => r.fingerprint.startsWith('select pg_sleep'))!;
  t.match(lost, { calls: 1, totalMs: 0, p50Ms: 0, maxMs: 0 }, 'no answer: a call without latency');
  t.equal(d.exchanges, 102);
  t.equal(d.errors, 1);
  t.same(Object.keys(big).sort(), [
    'calls',
    'errors',
    'fingerprint',
    'fingerprintId',
    'maxMs',
    'p50Ms',
    'p95Ms',
    'protocol',
    'rows',
    'totalMs',
  ]);
});

t.test('sorts and an exchange that already carries its fingerprint', async (t) => {
  const d = new Digest();
  const add = (fp: string, n: number, ms: number, errors = 0): void => {
    for (let i = 0; i < n; i++) {
      d.add(
        ex({
          conn: i,
          protocol: 'redis',
          fingerprint: fp,
          latencyMs: ms,
          request: { text: fp },
          response: i < errors ? { error: { code: 'ERR', message: 'x' } } : {},
        }),
      );
    }
  };
  add('GET a:*', 10, 1);
  add('SET b:*', 2, 20);
  add('DEL c:*', 3, 2, 3);
  const order = (s: Parameters<Digest['rows']>[0]) => d.rows(s).map((r) => r.fingerprint);
  t.same(order('total'), ['SET b:*', 'GET a:*', 'DEL c:*']);
  t.same(order('calls'), ['GET a:*', 'DEL c:*', 'SET b:*']);
  t.same(order('p95'), ['SET b:*', 'DEL c:*', 'GET a:*']);
  t.same(order('errors'), ['DEL c:*', 'SET b:*', 'GET a:*']);
  d.reset();
  t.same(d.rows(), []);
  t.equal(d.exchanges, 0);
});

t.test('bounded: fingerprints past the limit go to one (other) row', async (t) => {
  const d = new Digest({ maxFingerprints: 10 });
  for (let i = 0; i < 50; i++)
    d.add(
      ex({
        protocol: 'redis',
        conn: i,
        latencyMs: 1,
        request: { text: `CMD${i}`, command: [`CMD${i}`] },
      }),
    );
  const rows = d.rows('calls');
  t.equal(rows.length, 11);
  t.match(rows[0], { fingerprint: OTHER, calls: 40 });
});

t.test('N+1: the same fingerprint many times in a row on one connection', async (t) => {
  const d = new Digest();
  const got: unknown[] = [];
  const q = (conn: number, sql: string, start: number, route = 'db'): void => {
    const f = d.add(ex({ conn, route, start, latencyMs: 1, request: { sql } }));
    if (f) got.push(f);
  };
  q(3, 'select * from posts', 1000);
  for (let i = 0; i < 12; i++) q(3, `select * from users where id = ${i}`, 1002 + i * 2);
  q(4, 'select * from users where id = 99', 1005); // another connection: not part of the run
  t.same(got, [], 'a run is reported when it ends');
  q(3, 'select 1', 1030);
  t.equal(got.length, 1);
  t.match(got[0], {
    protocol: 'postgres',
    fingerprint: 'select * from users where id = $1',
    count: 12,
    conn: 3,
    route: 'db',
  });
  for (let i = 0; i < 4; i++) q(5, `select * from users where id = ${i}`, 2000 + i);
  t.equal(d.close(5, 'db'), undefined, 'four in a row is under the default threshold of 5');
  t.equal(d.findings({ threshold: 4 }).length, 2, 'a lower threshold finds it');
  for (let i = 0; i < 6; i++) q(6, `select * from users where id = ${i}`, 3000 + i);
  t.match(d.close(6, 'db'), { count: 6, conn: 6 }, 'a connection that closes ends its run');
  t.same(
    d.findings().map((f) => f.count),
    [12, 6],
  );
});

t.test('N+1 inside an HTTP request on another route: parentId', async (t) => {
  const d = new Digest();
  for (let i = 0; i < 8; i++)
    d.add(
      ex({
        conn: 2,
        route: 'db',
        start: 10_010 + i,
        latencyMs: 0.5,
        request: { sql: `select * from items where id = ${i}` },
      }),
    );
  d.add(ex({ conn: 2, route: 'db', start: 10_030, latencyMs: 0.5, request: { sql: 'commit' } }));
  const http = ex({
    id: 777,
    conn: 1,
    route: 'web',
    protocol: 'http',
    start: 10_000,
    latencyMs: 50,
    request: { text: 'GET /items', method: 'GET', url: '/items' },
    response: { status: 200 },
  });
  d.add(http);
  const [f] = d.findings();
  t.match(f, { count: 8, route: 'db', parentId: 777 });
  // a second request in flight over the same time: which one ran the queries is unknown
  d.add(
    ex({
      id: 778,
      conn: 9,
      route: 'web',
      protocol: 'http',
      start: 9_000,
      latencyMs: 5000,
      request: { text: 'GET /slow', method: 'GET', url: '/slow' },
    }),
  );
  t.equal(d.findings()[0]!.parentId, undefined, 'two candidates: no parent');
});

t.test('preparing a statement is not a call (pgbench -M prepared counts executions)', async (t) => {
  const d = new Digest();
  d.add(ex({ latencyMs: 1, request: { sql: 'select * from t where id = $1', kind: 'prepare' } }));
  for (let i = 0; i < 3; i++)
    d.add(ex({ latencyMs: 1, request: { sql: 'select * from t where id = $1', kind: 'execute' } }));
  t.match(d.rows(), [{ calls: 3, totalMs: 3 }]);
  t.equal(d.exchanges, 3);
});

t.test('a prepare that failed is a call with an error: its error shows nowhere else', async (t) => {
  const d = new Digest();
  const bad = 'select nosuchcol from t where id = ?';
  d.add(
    ex({
      protocol: 'mysql',
      latencyMs: 1,
      request: { sql: bad, kind: 'prepare' },
      response: {
        text: 'ERR 1054',
        error: { code: '1054', message: "Unknown column 'nosuchcol'" },
      },
    }),
  );
  t.match(d.rows(), [{ protocol: 'mysql', calls: 1, errors: 1 }]);
  t.equal(d.exchanges, 1);
  t.equal(d.errors, 1);
});
