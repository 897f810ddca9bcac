// MySQL replay against a real MariaDB (mysql_native_password logins): two `mariadb` CLI sessions
// and a mysql2 session (prepared statements executed with parameters) captured through the relay,
// replayed unchanged (exit 0), then after the data changed (exit 1, the changed row and row count
// shown). A statement that fails in both runs is not a difference. Without MYSQL_PWD the redacted
// capture stops with a message asking for it, and the server sees no new connection.

import t from 'tap';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import mysql2 from 'mysql2/promise';
import { promisify } from 'node:util';
import { capture, looptap, tempDir } from './helpers.js';
import { prepare } from '../../src/replay/run.js';
import type { ReplaySettings } from '../../src/replay/types.js';
import { MARIADB, haveMariaDb, startMariaDb } from '../helpers/mariadb-server.js';

const PASSWORD = 'pw_MYREPLAYCANARY_7c1';
const execFileP = promisify(execFile);

function cli(port: number, sql: string): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(
      MARIADB,
      [
        '--no-defaults',
        '--skip-ssl',
        '-h127.0.0.1',
        `-P${port}`,
        '-uapp',
        `-p${PASSWORD}`,
        'app',
        '-e',
        sql,
      ],
      { timeout: 20_000 },
      (err, out, errOut) =>
        err && !errOut.includes("doesn't exist")
          ? reject(new Error(err.message))
          : resolve(out + errOut),
    ),
  );
}

t.test(
  'mariadb CLI and mysql2 sessions replay against MariaDB',
  { timeout: 120_000 },
  async (t) => {
    if (!haveMariaDb(t)) return;
    const db = await startMariaDb(t, PASSWORD);
    const dir = tempDir(t, 'looptap-replay-mysql-');
    const admin = await mysql2.createConnection({
      host: '127.0.0.1',
      port: db.port,
      user: 'app',
      password: PASSWORD,
      database: 'app',
    });
    t.teardown(() => admin.end());
    await admin.query('create table item (id int primary key, name varchar(20), price int)');
    await admin.query(`insert into item values (1, 'pen', 10), (2, 'ink', 4), (3, 'pad', 7)`);
    const connections = async (): Promise<number> => {
      const [rows] = await admin.query(`show global status like 'Connections'`);
      return Number((rows as Array<{ Value: string }>)[0]!.Value);
    };

    const file = await capture(join(dir, 'my.jsonl'), String(db.port), async (p) => {
      t.match(await cli(p, 'select id, name, price from item order by id'), /pad/);
      t.match(await cli(p, 'select * from nosuch'), /1146/);
      const c = await mysql2.createConnection({
        host: '127.0.0.1',
        port: p,
        user: 'app',
        password: PASSWORD,
        database: 'app',
        multipleStatements: true,
      });
      await c.execute('select name from item where price > ? order by id', [5]);
      await c.execute('select name from item where price > ? order by id', [8]);
      await c.query('select count(*) from item');
      await c.execute('update item set name = ? where id = ?', ['pen', 1]);
      await c.query('select 1 as a; select 2 as b; do 1'); // MORE_RESULTS_EXISTS
      await c.end();
      await new Promise((r) => setTimeout(r, 200));
    });
    t.notOk(readFileSync(file, 'utf8').includes(PASSWORD), 'the capture holds no password');

    const before = await connections();
    const noPassword = await looptap(['replay', file, '--target', String(db.port)], {
      MYSQL_PWD: undefined,
    });
    t.equal(noPassword.code, 2, noPassword.out + noPassword.err);
    t.match(
      noPassword.err,
      /my\.jsonl:\d+: connection 1 logged in as user "app" .*set MYSQL_PWD or pass --password; nothing was sent/,
    );
    t.equal(await connections(), before, 'the server saw no new connection');

    const wrong = await looptap(['replay', file, '--target', String(db.port)], {
      MYSQL_PWD: 'nope',
    });
    t.equal(wrong.code, 1, wrong.out + wrong.err);
    t.match(wrong.err, /login as "app" refused: .*1045\/28000/);

    const same = await looptap(['replay', file, '--target', String(db.port)], {
      MYSQL_PWD: PASSWORD,
    });
    t.equal(same.code, 0, same.out + same.err);
    t.match(same.out, /replayed 3 connections, 9 requests: (\d+) same, 0 different/);
    t.notMatch(same.out, /skipped/);

    await admin.query(`update item set price = 9 where id = 1`);
    await admin.query(`delete from item where id = 2`);
    const report = join(dir, 'report.json');
    const diff = await looptap(['replay', file, '--target', String(db.port), '--report', report], {
      MYSQL_PWD: PASSWORD,
    });
    t.equal(diff.code, 1, diff.out + diff.err);
    t.match(diff.out, /conn 1 #\d+ mysql select id, name, price from item order by id: different/);
    t.match(diff.out, /rows 3 -> 2/);
    t.match(diff.out, /row 1: \[1,"pen",10\] -> \[1,"pen",9\]/, 'typed values');
    t.match(diff.out, /mysql select count\(\*\) from item: different\n {2}row 1: \[3\] -> \[2\]/);
    t.notMatch(diff.out, /nosuch/, 'the same error in both runs is no difference');
    const doc = JSON.parse(readFileSync(report, 'utf8'));
    const failing = doc.comparisons.find((c: { request: string }) => c.request.includes('nosuch'));
    t.match(failing, {
      same: true,
      recorded: [{ error: '1146/42S02' }],
      replayed: [{ error: '1146/42S02' }],
    });
    // conn 3: prepare, execute(5) (pen, pad -> pen, pad), execute(8) (pen -> pen), count, update
    const conn3 = doc.comparisons.filter((c: { conn: number }) => c.conn === 3);
    t.match(
      conn3.map((c: { request: string; same: boolean }) => [c.request, c.same]),
      [
        [/^prepare select name from item/, true],
        [/^execute statement/, true],
        [/^execute statement/, true],
        ['select count(*) from item', false],
        [/^prepare update item/, true],
        [/^execute statement/, true],
        ['select 1 as a; select 2 as b; do 1', true],
      ],
    );
    t.match(conn3[6], { recorded: [{ rows: 1 }, { rows: 1 }, { affected: 0 }] }, 'three results');
    const exec = conn3[1] as { replayed: Array<{ sample: unknown[][] }> };
    t.same(exec.replayed[0]!.sample, [['pen'], ['pad']], 'binary rows decoded');
  },
);

t.test(
  'replay: binary rows by type, and a masked statement is listed and never sent',
  { timeout: 120_000 },
  async (t) => {
    if (!haveMariaDb(t)) return;
    const db = await startMariaDb(t, PASSWORD);
    const dir = tempDir(t, 'looptap-replay-mysql-types-');
    const root = (sql: string) =>
      execFileP(MARIADB, ['--no-defaults', '-S', db.socket, '-uroot', '-e', sql]);
    await root(`GRANT CREATE USER ON *.* TO 'app'@'127.0.0.1'`);
    const NEW_PW = 'pw_MYREPLAYMASK_19z';
    const file = await capture(join(dir, 'types.jsonl'), String(db.port), async (p) => {
      const c = await mysql2.createConnection({
        host: '127.0.0.1',
        port: p,
        user: 'app',
        password: PASSWORD,
        database: 'app',
      });
      await c.query(
        'create table item2 (id int, name varchar(10), price decimal(5,2), made date, ratio float)',
      );
      await c.query("insert into item2 values (2, 'cup', 5.00, '2024-01-02', 0.5)");
      await c.execute('select id, name, price, made, ratio from item2 where id = ?', [2]);
      await c.query(`create user 'u2'@'127.0.0.1' identified by '${NEW_PW}'`);
      await c.query('select 1');
      await c.end();
    });
    t.notOk(readFileSync(file, 'utf8').includes(NEW_PW), 'the capture holds no password');
    await root(`DROP USER 'u2'@'127.0.0.1'; DROP TABLE app.item2`);

    const settings: ReplaySettings = {
      host: '127.0.0.1',
      port: db.port,
      pace: 'fast',
      quietMs: 200,
      timeoutMs: 5000,
      ignoreHeaders: [],
      ignoreJsonPaths: [],
      headers: [],
      passwords: { mysql: PASSWORD },
    };
    // the plan lists it, and prepare() refuses it: nothing of that connection is planned
    const { plans, refused } = await prepare({ file }, settings);
    t.equal(plans.length, 0);
    t.match(refused, [
      {
        index: 5,
        request: "create user 'u2'@'127.0.0.1' identified by 'REDACTED'",
        hint: /--conn/,
      },
    ]);

    const report = join(dir, 'report.json');
    const r = await looptap(['replay', file, '--target', String(db.port), '--report', report], {
      MYSQL_PWD: PASSWORD,
    });
    t.not(r.code, 0, 'a replay that could not send everything is not a success');
    const users = await execFileP(MARIADB, [
      '--no-defaults',
      '-S',
      db.socket,
      '-uroot',
      '-N',
      '-e',
      "select count(*) from mysql.user where user = 'u2'",
    ]);
    t.equal(users.stdout.trim(), '0', 'the masked CREATE USER never reached the server');
    if (r.code === 1) {
      const doc = JSON.parse(readFileSync(report, 'utf8'));
      const exec = doc.comparisons.find((c: { request: string }) =>
        c.request.startsWith('execute'),
      );
      t.same(exec.recorded[0].sample, [[2, 'cup', '5.00', '2024-01-02', 0.5]], 'recorded row');
      t.same(exec.replayed[0].sample, [[2, 'cup', '5.00', '2024-01-02', 0.5]], 'replayed row');
      const masked = doc.comparisons.find((c: { request: string }) =>
        c.request.startsWith('create user'),
      );
      t.match(masked, { same: false, diffs: [/not sent/] });
    }
  },
);
