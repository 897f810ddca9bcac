// looptap's protocol toxics against real servers and clients, added through the API while the
// client's session is open: pg sees a real 40001 with its SQLSTATE and its retry loop succeeds
// (count 1), and inside a transaction the session stays failed as the server would keep it;
// mysql2 sees the ERR code and SQL state; ioredis sees BUSY; undici sees the HTTP status. The
// server never receives the faulted request. The capture marks injected answers.

import http from 'node:http';
import { once } from 'node:events';
import t from 'tap';
import pg from 'pg';
import mysql from 'mysql2/promise';
import { Redis } from 'ioredis';
import { request } from 'undici';
import { haveRedis, startRedisServer } from '../helpers/redis-server.js';
import { startPgServer } from '../helpers/pg-server.js';
import { haveMariaDb, startMariaDb } from '../helpers/mariadb-server.js';
import { startFaultApi, portOf } from './setup.js';

t.test(
  'postgres: reply_error 40001, retry succeeds; a failed transaction stays failed',
  async (t) => {
    const server = await startPgServer(t, 'scram-sha-256', 'faults-pg-pw');
    if (!server) return;
    t.teardown(() => server.stop());
    const { toxiproxy, sink } = await startFaultApi(t);
    const proxy = await toxiproxy.createProxy({
      name: 'pg',
      listen: '127.0.0.1:0',
      upstream: `127.0.0.1:${server.port}`,
    });
    const opts = {
      host: '127.0.0.1',
      user: server.user,
      password: server.password,
      database: 'postgres',
    };
    const direct = new pg.Client({ ...opts, port: server.port });
    await direct.connect();
    t.teardown(() => direct.end());
    await direct.query('create table if not exists faults_t (id int)');
    await direct.query('truncate faults_t');
    const client = new pg.Client({ ...opts, port: portOf(proxy.listen) });
    await client.connect();
    t.teardown(() => client.end().catch(() => undefined));

    await proxy.addToxic({
      name: 'serialize',
      type: 'reply_error' as never,
      stream: 'upstream',
      toxicity: 1,
      attributes: { match: '', count: 1, sqlstate: '40001', message: 'could not serialize access' },
    });
    const errors: string[] = [];
    let tries = 0;
    for (;;) {
      tries++;
      try {
        await client.query('insert into faults_t values ($1)', [1]);
        break;
      } catch (err) {
        errors.push(String((err as { code?: string }).code));
        if (tries >= 3) throw err;
      }
    }
    t.same(errors, ['40001'], 'the first try saw SQLSTATE 40001 on the error object');
    t.equal(tries, 2, 'the retry succeeded');
    const { rows } = await direct.query('select count(*)::int as n from faults_t');
    t.equal(rows[0].n, 1, 'the server never received the faulted insert');
    await proxy.getToxic('serialize').then((x) => x.remove());

    // inside a transaction: the injected error fails it for the client, as the server would
    await client.query('begin');
    await proxy.addToxic({
      name: 'in_txn',
      type: 'reply_error' as never,
      stream: 'upstream',
      toxicity: 1,
      attributes: { match: '', count: 1, sqlstate: '40P01', message: 'deadlock detected' },
    });
    await t.rejects(client.query('insert into faults_t values (2)'), { code: '40P01' });
    await t.rejects(client.query('select 1'), { code: '25P02' }, 'the transaction is failed');
    const commit = await client.query('commit');
    t.equal(commit.command, 'ROLLBACK', 'COMMIT of a failed transaction answers ROLLBACK');
    t.equal((await client.query('select 7 as n')).rows[0].n, 7, 'the session goes on');
    const again = await direct.query('select count(*)::int as n from faults_t');
    t.equal(again.rows[0].n, 1);

    const injected = sink
      .messages('postgres')
      .filter((m) => m.name === 'ErrorResponse' && m.fields.injected !== undefined);
    t.ok(injected.length >= 2, 'injected ErrorResponse messages are marked in the capture');
    t.ok(
      sink.ofType('error').some((e) => e.code === 'FAULT' && /reply_error/.test(e.message)),
      'the live view gets a FAULT line',
    );
  },
);

t.test('postgres: drop_connection after K rows of a result', async (t) => {
  const server = await startPgServer(t, 'scram-sha-256', 'faults-pg-pw2');
  if (!server) return;
  t.teardown(() => server.stop());
  const { toxiproxy, sink } = await startFaultApi(t);
  const proxy = await toxiproxy.createProxy({
    name: 'pg',
    listen: '127.0.0.1:0',
    upstream: `127.0.0.1:${server.port}`,
  });
  const client = new pg.Client({
    host: '127.0.0.1',
    port: portOf(proxy.listen),
    user: server.user,
    password: server.password,
    database: 'postgres',
  });
  client.on('error', () => undefined);
  await client.connect();
  await proxy.addToxic({
    name: 'cut',
    type: 'drop_connection' as never,
    stream: 'downstream',
    toxicity: 1,
    attributes: { match: '', count: 1, rows: 5 },
  });
  await t.rejects(client.query('select generate_series(1, 100000)'), 'the result set is cut');
  const fault = await sink.waitFor((e) => e.type === 'error' && e.code === 'FAULT');
  t.match((fault as { message: string }).message, /drop_connection cut: reset after the rows/);
  const close = await sink.waitFor((e) => e.type === 'close');
  const sent = (close as { bytes: { server: number } }).bytes.server;
  const received = sink
    .ofType('data')
    .filter((d) => d.from === 'server')
    .reduce((n, d) => n + d.len, 0);
  t.ok(
    received < 2000 && sent > received,
    `the server sent ${sent} bytes, the client got ${received}`,
  );
});

t.test('redis: reply_error BUSY, delay_reply, drop_connection', async (t) => {
  if (!haveRedis(t)) return;
  const server = await startRedisServer(t, 'faults-redis-pw');
  const { toxiproxy, sink } = await startFaultApi(t);
  const proxy = await toxiproxy.createProxy({
    name: 'redis',
    listen: '127.0.0.1:0',
    upstream: `127.0.0.1:${server.port}`,
  });
  const port = portOf(proxy.listen);
  const redis = new Redis({
    port,
    host: '127.0.0.1',
    password: 'faults-redis-pw',
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on('error', () => undefined);
  t.teardown(() => redis.disconnect());
  await redis.connect();
  await redis.del('k');
  const busy = await proxy.addToxic({
    name: 'busy',
    type: 'reply_error' as never,
    stream: 'upstream',
    toxicity: 1,
    attributes: { match: '', count: 1, code: 'BUSY', message: 'Redis is busy running a script' },
  });
  await t.rejects(redis.set('k', 'v'), /^BUSY Redis is busy/);
  t.equal(await redis.get('k'), null, 'the server never received the SET');
  await busy.remove();
  const reply = sink
    .ofType('message')
    .find((m) => m.protocol === 'redis' && m.fields.injected === 'busy');
  t.ok(reply, 'the injected reply is marked');

  await proxy.addToxic({
    name: 'slow_get',
    type: 'delay_reply' as never,
    stream: 'downstream',
    toxicity: 1,
    attributes: { match: '', count: 1, delay: 300 },
  });
  const t0 = performance.now();
  t.equal(await redis.get('k'), null);
  const ms = performance.now() - t0;
  t.ok(ms >= 290, `the delayed answer took ${ms.toFixed(0)} ms`);
  await (await proxy.getToxic('slow_get')).remove();

  await proxy.addToxic({
    name: 'drop',
    type: 'drop_connection' as never,
    stream: 'upstream',
    toxicity: 1,
    attributes: { match: '', count: 1 },
  });
  const closed = new Promise((resolve) => redis.once('close', resolve));
  await t.rejects(redis.set('k', 'dropped'));
  await closed;
  const check = new Redis({ port: server.port, host: '127.0.0.1', password: 'faults-redis-pw' });
  t.teardown(() => check.disconnect());
  t.equal(await check.get('k'), null, 'the dropped SET never reached the server');
});

t.test('mysql: reply_error ERR 1213 with SQL state 40001', async (t) => {
  if (!haveMariaDb(t)) return;
  const db = await startMariaDb(t, 'faults-my-pw');
  const { toxiproxy } = await startFaultApi(t);
  const proxy = await toxiproxy.createProxy({
    name: 'my',
    listen: '127.0.0.1:0',
    upstream: `127.0.0.1:${db.port}`,
  });
  const conn = await mysql.createConnection({
    host: '127.0.0.1',
    port: portOf(proxy.listen),
    user: db.user,
    password: db.password,
    database: db.database,
  });
  t.teardown(() => conn.end());
  await proxy.addToxic({
    name: 'deadlock',
    type: 'reply_error' as never,
    stream: 'upstream',
    toxicity: 1,
    attributes: { match: '', count: 1, code: '1213', sqlstate: '40001', message: 'Deadlock found' },
  });
  const err = await conn.query("insert into t (name) values ('faulted')").then(
    () => undefined,
    (e: { errno?: number; sqlState?: string; message?: string }) => e,
  );
  t.equal(err?.errno, 1213);
  t.equal(err?.sqlState, '40001');
  t.match(err?.message, /Deadlock found/);
  const [rows] = await conn.query("select count(*) as n from t where name = 'faulted'");
  t.equal(Number((rows as Array<{ n: number }>)[0]!.n), 0, 'the server never received the insert');
});

t.test(
  'http: reply_error answers with the status, the origin never sees the request',
  async (t) => {
    let seen = 0;
    const origin = http.createServer((req, res) => {
      seen++;
      res.end('from origin');
    });
    origin.listen(0, '127.0.0.1');
    await once(origin, 'listening');
    t.teardown(() => new Promise((r) => origin.close(r)));
    origin.keepAliveTimeout = 100;
    const originPort = (origin.address() as { port: number }).port;
    const { toxiproxy } = await startFaultApi(t);
    const proxy = await toxiproxy.createProxy({
      name: 'web',
      listen: '127.0.0.1:0',
      upstream: `127.0.0.1:${originPort}`,
    });
    const url = `http://${proxy.listen}/x`;
    // a first request on the keep-alive connection, then the fault on the same connection
    const before = await request(url);
    t.equal(before.statusCode, 200);
    await before.body.text();
    await proxy.addToxic({
      name: 'unavailable',
      type: 'reply_error' as never,
      stream: 'upstream',
      toxicity: 1,
      attributes: { match: '', count: 1, status: 503, body: 'try later' },
    });
    const first = await request(url, { method: 'POST', body: 'payload' });
    t.equal(first.statusCode, 503);
    t.equal(await first.body.text(), 'try later');
    t.equal(seen, 1, 'the origin never saw the faulted request');
    const second = await request(url);
    t.equal(second.statusCode, 200);
    t.equal(await second.body.text(), 'from origin');
    t.equal(seen, 2);
  },
);
