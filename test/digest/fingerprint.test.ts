// Fingerprints (docs/stats.md): literals never appear, the same statement with other literals
// (or other spacing, or another IN-list length, or as a prepared statement) is one fingerprint.
import t from 'tap';
import {
  clearFingerprintCache,
  fingerprintOf,
  fingerprintReady,
} from '../../src/digest/fingerprint.js';
import { normalizeSql } from '../../src/digest/sql-normalize.js';
import { pgParserLoaded } from '../../src/digest/pg-fingerprint.js';

const pg = (sql: string) => fingerprintOf('postgres', { text: sql, sql });
const my = (sql: string) => fingerprintOf('mysql', { text: sql, sql });
const redis = (...command: string[]) =>
  fingerprintOf('redis', { text: command.join(' '), command }).fingerprint;
const http = (method: string, url: string) =>
  fingerprintOf('http', { text: `${method} ${url}`, method, url }).fingerprint;

t.test('before the parser loads, the lexer normaliser answers (and is not kept)', async (t) => {
  clearFingerprintCache();
  t.notOk(pgParserLoaded(), 'a fresh process: the parser is not loaded yet');
  const early = pg('select a from t where id = 7');
  t.equal(early.fingerprint, 'select a from t where id = $1');
  await fingerprintReady();
  t.ok(pgParserLoaded(), 'libpg-query loaded');
  const late = pg('select a from t where id = 7');
  t.equal(late.fingerprint, early.fingerprint);
  t.not(late.fingerprintId, early.fingerprintId, 'now the parser fingerprint');
});

t.test('PostgreSQL', async (t) => {
  await fingerprintReady();
  const a = pg("select name from users where id = 42 and tag = 'x'");
  t.equal(a.fingerprint, 'select name from users where id = $1 and tag = $2');
  t.match(a.fingerprintId, /^[0-9a-f]{16}$/);
  const prepared = pg('select name from users where id = $1 and tag = $2');
  t.equal(prepared.fingerprintId, a.fingerprintId, 'simple and prepared: one fingerprint');
  const spaced = pg("SELECT name\n  FROM users WHERE id=9 AND tag='y'");
  t.equal(spaced.fingerprintId, a.fingerprintId, 'spacing and keyword case do not matter');
  t.equal(spaced.fingerprint, 'SELECT name FROM users WHERE id=$1 AND tag=$2');
  t.not(pg('select name from users where id = 1 or tag = $1').fingerprintId, a.fingerprintId);

  const inList = pg('select * from t where id in (1, 2, 3) and x = $1');
  t.equal(inList.fingerprint, 'select * from t where id in ($2 /*, ... */) and x = $1');
  t.equal(pg('select * from t where id in (9) and x = $1').fingerprintId, inList.fingerprintId);

  const sc = pg("select * from t where a = 'sec' /*route='%2Fusers',traceparent='00-aa-bb-01'*/");
  t.equal(sc.fingerprint, 'select * from t where a = $1', 'sqlcommenter comment stripped');
  t.equal(
    pg("update a set b = b + -5, c = E'x\\'y', d = $$z$$, e = interval '1 day' where f = 1e3")
      .fingerprint,
    'update a set b = b + $1, c = $2, d = $3, e = interval $4 where f = $5',
  );
  t.equal(pg('select a-1, f(-2), x1 from t2').fingerprint, 'select a-$1, f($2), x1 from t2');
  t.equal(pg('select "Weird""Name" from t').fingerprint, 'select "Weird""Name" from t');
  const bad = pg("this is not sql 'secret-literal'");
  t.equal(bad.fingerprint, 'this is not sql $1', 'the fallback normaliser for what cannot parse');
  t.match(bad.fingerprintId, /^[0-9a-f]{16}$/);
});

t.test('literals never appear, whatever the statement', async (t) => {
  await fingerprintReady();
  const canary = 'CANARY-7f3a';
  for (const sql of [
    `select '${canary}'`,
    `select E'${canary}\\''`,
    `select $$${canary}$$`,
    `select $q$${canary}$q$`,
    `select U&'${canary}'`,
    `insert into t values ('a', '${canary}'), (1, '${canary}')`,
    `select 1 -- ${canary}\n`,
    `select /* ${canary} /* nested */ ${canary} */ 1`,
    `select '${canary}`,
  ]) {
    t.notMatch(pg(sql).fingerprint, canary, sql);
  }
  for (const sql of [
    `select "${canary}"`,
    `select '${canary}\\' ${canary}'`,
    `select _utf8mb4'${canary}'`,
    `select X'00' # ${canary}`,
    `select 1 /*!${canary}*/`,
  ]) {
    t.notMatch(my(sql).fingerprint, canary, sql);
  }
});

t.test('MySQL', async (t) => {
  t.equal(
    my('SELECT * FROM `t` WHERE a = "str" AND b IN (1,2,3) -- c\n AND c = 0x1F').fingerprint,
    'SELECT * FROM `t` WHERE a = ? AND b IN (...) AND c = ?',
  );
  t.equal(my('select * from t where id = ?').fingerprint, 'select * from t where id = ?');
  t.equal(
    my("insert into t values (1, 'a\\'b'),(2,'c')").fingerprint,
    'insert into t values (?, ?), (?, ?)',
  );
  t.equal(my('select 1').fingerprintId, my('select 2').fingerprintId);
  t.not(my('select 1').fingerprintId, pg('select 1').fingerprintId, 'protocols apart');
});

t.test('Redis: command and key pattern', async (t) => {
  t.equal(redis('GET', 'user:42'), 'GET user:*');
  t.equal(redis('get', 'user:43'), 'GET user:*');
  t.equal(redis('SET', 'session:9f8a7b6c5d4e', 'secret-value', 'EX', '10'), 'SET session:*');
  t.equal(redis('HSET', '{user1}:profile', 'f', 'v'), 'HSET {*}:profile');
  t.equal(redis('MGET', 'a:1', 'a:2', 'b:3'), 'MGET a:* b:*');
  t.equal(redis('MSET', 'a:1', 'v1', 'c:2', 'v2'), 'MSET a:* c:*');
  t.equal(redis('AUTH', 'hunter2'), 'AUTH', 'no secret in a fingerprint');
  t.equal(redis('CONFIG', 'SET', 'requirepass', 'hunter2'), 'CONFIG SET');
  t.equal(redis('ECHO', 'hello'), 'ECHO');
  t.equal(redis('EVAL', 'return 1', '2', 'k:1', 'k:2', 'arg'), 'EVAL k:*');
  t.equal(redis('MEMORY', 'USAGE', 'big:1'), 'MEMORY USAGE big:*');
  t.equal(redis('LRANGE', 'queue', '0', '-1'), 'LRANGE queue');
  t.equal(redis('PING'), 'PING');
});

t.test('Redis: the per-argument cache answers what redisPrint answers', async (t) => {
  clearFingerprintCache();
  // twice each: the second answer may come from the cache
  for (let i = 0; i < 2; i++) {
    t.equal(redis('GET', 'key:__rand_int__'), 'GET key:__rand_int__');
    t.equal(redis('SET', 'key:__rand_int__', 'v' + i), 'SET key:__rand_int__');
    t.equal(redis('get', 'key:__rand_int__'), 'GET key:__rand_int__');
    t.equal(redis('GET', 'user:4' + i), 'GET user:*');
    t.equal(redis('DEL', 'key:__rand_int__', 'b:1'), 'DEL key:__rand_int__ b:*');
    t.equal(redis('CONFIG', 'GET', 'maxmemory'), 'CONFIG GET');
    t.equal(redis('GET', 'a b'), 'GET a?b');
    t.equal(redis('GET', ''), 'GET');
    t.equal(redis('GET'), 'GET');
  }
  const a = fingerprintOf('redis', { text: 'GET k', command: ['GET', 'k'] });
  const b = fingerprintOf('redis', { text: 'GET k', command: ['GET', 'k'] });
  t.equal(a.fingerprintId, b.fingerprintId);
  t.equal(a.fingerprintId, fingerprintOf('redis', { text: 'GET k' }).fingerprintId, 'text or args');
});

t.test('HTTP: method and route template', async (t) => {
  t.equal(http('GET', '/users/42/posts?page=2&token=abc'), 'GET /users/:id/posts');
  t.equal(http('delete', '/items/550e8400-e29b-41d4-a716-446655440000'), 'DELETE /items/:id');
  t.equal(http('GET', '/blobs/deadbeef12'), 'GET /blobs/:id');
  t.equal(http('GET', '/reset/AbCdEfGhIjKlMnOpQrStUv12'), 'GET /reset/:id');
  t.equal(http('GET', '/orders/order-12345'), 'GET /orders/:id');
  t.equal(http('GET', '/api/v2/users'), 'GET /api/v2/users');
  t.equal(http('GET', 'http://127.0.0.1:3000/a/b'), 'GET /a/b');
  t.equal(http('GET', '/'), 'GET /');
});

t.test('the lexer on its own', async (t) => {
  t.equal(normalizeSql('select  1 ,2', 'postgres'), 'select $1, $2');
  t.equal(normalizeSql("select 'unterminated", 'postgres'), 'select $1');
  t.equal(
    normalizeSql('select x from t where a in (select b from c)', 'postgres'),
    'select x from t where a in (select b from c)',
  );
  t.equal(normalizeSql('', 'mysql'), '');
  t.equal(
    normalizeSql('a'.repeat(40_000), 'mysql').length,
    16 * 1024,
    'long statements: the first 16 KiB',
  );
});
