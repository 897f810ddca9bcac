// The test-suite API with mysql2 against a real MariaDB and ioredis against a real redis-server,
// the relay on the test's thread and in a worker (thread: 'worker').
import t from 'tap';
import mysql2 from 'mysql2/promise';
import { Redis } from 'ioredis';
import { AssertionError } from 'node:assert';
import { startRelay } from '../../src/index.js';
import { haveMariaDb, startMariaDb } from '../helpers/mariadb-server.js';
import { haveRedis, startRedisServer } from '../helpers/redis-server.js';

for (const thread of ['main', 'worker'] as const) {
  t.test(
    `mysql2: a query budget and an N+1 over prepared statements (thread ${thread})`,
    async (t) => {
      if (!haveMariaDb(t)) return;
      const db = await startMariaDb(t, 'pw_APIMY_1');
      const relay = await startRelay({ target: String(db.port), thread });
      t.teardown(() => relay.close(0));
      const conn = await mysql2.createConnection({
        host: '127.0.0.1',
        port: relay.port,
        user: db.user,
        password: db.password,
        database: db.database,
      });
      t.teardown(() => conn.end());
      await conn.query('create table users (id int primary key, name varchar(20))');
      await conn.query(
        "insert into users values (1,'ann'),(2,'bob'),(3,'cy'),(4,'di'),(5,'ed'),(6,'fi')",
      );
      relay.reset();
      const [rows] = await conn.query('select name from users where id = 2');
      t.same(rows, [{ name: 'bob' }]);
      const x = relay.exchanges('protocol:mysql sql~users').at(-1)!;
      t.same(x.response?.values, [['bob']], 'the exchange holds the row the client got');

      const err = await relay
        .expectNoNPlusOne(async () => {
          for (let id = 1; id <= 6; id++)
            await conn.execute('select name from users where id = ?', [id]);
        })
        .catch((e: unknown) => e);
      t.type(err, AssertionError);
      t.match((err as Error).message, /N\+1: 6 x select name from users where id = \?/);
    },
  );

  t.test(`ioredis: commands are exchanges, pipelines too (thread ${thread})`, async (t) => {
    if (!haveRedis(t)) return;
    const server = await startRedisServer(t, 'pw_APIREDIS_1');
    const relay = await startRelay({ target: String(server.port), thread });
    t.teardown(() => relay.close(0));
    const redis = new Redis({
      host: '127.0.0.1',
      port: relay.port,
      password: 'pw_APIREDIS_1',
      lazyConnect: true,
    });
    await redis.connect();
    t.teardown(() => redis.disconnect());
    await redis.set('user:1', 'ann');
    t.equal(await redis.get('user:1'), 'ann');
    const get = relay.exchanges('cmd~^GET').at(-1)!;
    // ioredis sends command names in lower case; the exchange keeps them as sent
    t.same(
      get.request.command?.map((a, i) => (i === 0 ? a.toUpperCase() : a)),
      ['GET', 'user:1'],
    );
    t.match(get.response?.reply ?? '', /ann/);
    await relay.expectQueries(
      async () => {
        await redis.pipeline().get('user:1').get('user:2').incr('n').exec();
      },
      { max: 3, min: 3 },
    );
    const auth = relay.exchanges('cmd~^AUTH');
    t.ok(
      auth.every((x) => !JSON.stringify(x).includes('pw_APIREDIS_1')),
      'AUTH stays redacted',
    );
  });
}
