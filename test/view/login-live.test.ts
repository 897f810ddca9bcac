// End to end: `looptap --target PG` (the default live view) in front of a real PostgreSQL, the pg
// client logging in twice with the right password and once with a wrong one. Every connection
// shows who logged in; the refused one shows why (FATAL 28P01), where it used to show only
// `open` and `close server_fin`; no other frame is shown, not even for the first connection, and
// a failed query is on its exchange line once. The same for MariaDB with mysql2 (ERR 1045).
import t from 'tap';
import pg from 'pg';
import mysql2 from 'mysql2/promise';
import { haveMariaDb, startMariaDb } from '../helpers/mariadb-server.js';
import { startPgServer } from '../helpers/pg-server.js';
import { spawnLooptap, assertBuilt } from '../helpers/net.js';

t.test('logins and a refused login in the live view', async (t) => {
  assertBuilt();
  const server = await startPgServer(t, 'scram-sha-256', 'right-pw');
  if (!server) return;
  t.teardown(() => server.stop());
  const lt = await spawnLooptap(t, ['--target', `127.0.0.1:${server.port}`]);
  const connect = (password: string): pg.Client =>
    new pg.Client({
      host: '127.0.0.1',
      port: lt.port,
      user: 'postgres',
      database: 'postgres',
      password,
    });

  const a = connect('right-pw');
  await a.connect();
  await t.rejects(a.query('select 1/0'), /division by zero/);
  t.same((await a.query('select 1 as one')).rows, [{ one: 1 }]);
  await a.end();
  await t.rejects(connect('wrong-pw').connect(), /password authentication failed/);
  const c = connect('right-pw');
  await c.connect();
  await c.end();

  const { code } = await lt.stop('SIGINT');
  t.equal(code, 0);
  const out = lt.stdout.join('\n');
  if (process.env.SHOW) console.error(out);
  const conns = [1, 2, 3];
  for (const n of conns) {
    t.match(
      out,
      new RegExp(`#${n} -> postgres StartupMessage user=postgres database=postgres`),
      `#${n} login`,
    );
  }
  t.match(
    out,
    /#2 <- ErrorResponse FATAL 28P01: password authentication failed for user "postgres"/,
  );
  t.match(out, /#2 close server_fin/);
  t.equal(out.match(/22012/g)?.length, 1, 'the failed query once, on its exchange line');
  t.match(out, /#1 pg {2}select 1\/0 -> ERROR 22012 division by zero/);
  t.notMatch(
    out,
    /AuthenticationSASL|ReadyForQuery|RowDescription|CommandComplete| Query /,
    'no other frames',
  );
});

t.test('a refused MariaDB login in the live view', async (t) => {
  assertBuilt();
  if (!haveMariaDb(t)) return;
  const db = await startMariaDb(t, 'pw_LOGIN_1');
  const lt = await spawnLooptap(t, ['--target', `127.0.0.1:${db.port}`]);
  const connect = (password: string) =>
    mysql2.createConnection({
      host: '127.0.0.1',
      port: lt.port,
      user: db.user,
      password,
      database: db.database,
    });
  const a = await connect(db.password);
  await t.rejects(a.query('select 1/0 from no_such_table'), /doesn't exist/);
  await a.end();
  await t.rejects(connect('wrong-pw'), /Access denied/);

  const { code } = await lt.stop('SIGINT');
  t.equal(code, 0);
  const out = lt.stdout.join('\n');
  if (process.env.SHOW) console.error(out);
  for (const n of [1, 2])
    t.match(out, new RegExp(`#${n} -> mysql HandshakeResponse41 .*app`), `#${n} login`);
  t.match(out, /#2 <- ERR 1045 \(28000\) Access denied for user 'app'/);
  t.equal(out.match(/1146/g)?.length, 1, 'the failed query once, on its exchange line');
  t.notMatch(out, /HandshakeV10|COM_QUERY|OK /, 'no other frames');
});
