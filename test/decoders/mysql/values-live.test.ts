// Values by column type against a real MariaDB: one row holding every type (and one of NULLs)
// read through the relay with mysql2 `query` (text rows), mysql2 `execute` (binary rows) and the
// mariadb CLI (text rows, MariaDB extended metadata); each exchange must carry the same typed
// values. Also: the first --max-rows rows only, multi-statement answers, COM_STMT_* and txn.

import t from 'tap';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import mysql2 from 'mysql2/promise';
import { MemorySink, startRelay } from '../../../src/index.js';
import type { ExchangeEvent } from '../../../src/index.js';
import { MARIADB, haveMariaDb, startMariaDb } from '../../helpers/mariadb-server.js';

const run = promisify(execFile);
const PASSWORD = 'valuesLive_pw_3Jq';

const COLUMNS = `id INT PRIMARY KEY, ti TINYINT, tu TINYINT UNSIGNED, si SMALLINT,
  su SMALLINT UNSIGNED, mi MEDIUMINT, mu MEDIUMINT UNSIGNED, i INT, iu INT UNSIGNED, bi BIGINT,
  bu BIGINT UNSIGNED, de DECIMAL(10,2), f FLOAT, d DOUBLE, da DATE, dt DATETIME, dt3 DATETIME(3),
  ts TIMESTAMP(6) NULL, tm TIME, tm2 TIME(2), y YEAR, c CHAR(5), vc VARCHAR(20), tx TEXT,
  bl BLOB, vb VARBINARY(8), bt BIT(12), en ENUM('a','b'), st SET('x','y'), js JSON`;

const INSERT = `insert into types values (1, -128, 255, -32768, 65535, -8388608, 16777215,
  -2147483648, 4294967295, -9223372036854775808, 18446744073709551615, 12345678.90, 3.14,
  2.718281828459045, '2024-02-29', '2024-02-29 13:14:15', '2024-02-29 13:14:15.678',
  '2024-02-29 13:14:15.123456', '-838:59:59', '12:34:56.70', 2024, 'abc', 'héllo wörld', 'text',
  x'00ff10', 'abc', b'101010101010', 'b', 'x,y', '{"a":1}'),
  (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`;

const ROW1 = [
  1,
  -128,
  255,
  -32768,
  65535,
  -8388608,
  16777215,
  -2147483648,
  4294967295,
  '-9223372036854775808',
  '18446744073709551615',
  '12345678.90',
  3.14,
  2.718281828459045,
  '2024-02-29',
  '2024-02-29 13:14:15',
  '2024-02-29 13:14:15.678',
  '2024-02-29 13:14:15.123456',
  '-838:59:59',
  '12:34:56.70',
  2024,
  'abc',
  'héllo wörld',
  'text',
  '0x00ff10',
  'abc',
  2730,
  'b',
  'x,y',
  '{"a":1}',
];
const ROW2 = [2, ...Array.from({ length: ROW1.length - 1 }, () => null)];
const NAMES = COLUMNS.split(',')
  .map((c) => c.trim().split(/\s+/)[0]!)
  .filter((n) => !/^\d|'/.test(n));

t.test(
  'every column type, text and binary rows, through the relay',
  { timeout: 120_000 },
  async (t) => {
    if (!haveMariaDb(t)) return;
    const db = await startMariaDb(t, PASSWORD);
    const mem = new MemorySink();
    const relay = await startRelay({
      target: `127.0.0.1:${db.port}`,
      decode: 'auto',
      sinks: [mem],
    });
    t.teardown(() => relay.close(0));
    const exchange = (pred: (x: ExchangeEvent) => boolean): Promise<ExchangeEvent> =>
      mem.waitFor((e) => e.type === 'exchange' && pred(e)) as Promise<ExchangeEvent>;
    const bySql = (sql: string, kind?: string) =>
      exchange((x) => x.request.sql === sql && (!kind || x.request.kind === kind));

    const conn = await mysql2.createConnection({
      host: '127.0.0.1',
      port: relay.port,
      user: 'app',
      password: PASSWORD,
      database: 'app',
      multipleStatements: true,
      supportBigNumbers: true,
      bigNumberStrings: true,
      dateStrings: true,
    });
    t.teardown(() => conn.end());
    await conn.query(`create table types (${COLUMNS})`);
    await conn.query(INSERT);
    t.equal(NAMES.length, ROW1.length, 'one expected value per column');

    const select = 'select * from types order by id';
    await conn.query(select);
    const text = await bySql(select, 'query');
    t.same(text.response?.columns, NAMES, 'column names');
    t.strictSame(text.response?.values, [ROW1, ROW2], 'text rows typed by column');
    t.equal(text.response?.rows, 2);
    t.equal(text.protocol, 'mysql');

    const exec = 'select * from types where id >= ? order by id';
    await conn.execute(exec, [1]);
    const bin = await bySql(exec, 'execute');
    t.strictSame(bin.request.params, [1], 'typed parameter');
    t.equal(typeof bin.request.statement, 'number', 'statement id');
    t.strictSame(bin.response?.values, [ROW1, ROW2], 'binary rows typed by column');
    const prep = await bySql(exec, 'prepare');
    t.match(prep.response, { tag: 'PREPARE_OK', columns: NAMES });

    // the row of issue 9: (2,'cup','5.00') once showed as ["\u0000\u0000","","cup"]
    await conn.query('create table item (id int, name varchar(10), price decimal(5,2))');
    await conn.query("insert into item values (2, 'cup', 5.00)");
    const cup = 'select id, name, price from item where id = ?';
    await conn.execute(cup, [2]);
    t.strictSame((await bySql(cup, 'execute')).response?.values, [[2, 'cup', '5.00']]);

    // the mariadb CLI: text rows with MariaDB's extended column metadata
    const cliSql = 'select * from types order by id desc';
    const cli = await run(MARIADB, [
      '--no-defaults',
      '--skip-ssl',
      '-h127.0.0.1',
      `-P${relay.port}`,
      '-uapp',
      `-p${PASSWORD}`,
      'app',
      '-e',
      cliSql,
    ]);
    t.match(cli.stdout, /héllo wörld/);
    t.strictSame((await bySql(cliSql)).response?.values, [ROW2, ROW1], 'mariadb CLI rows');

    // only the first maxRows (20) rows keep values
    const many =
      'with recursive s(n) as (select 1 union all select n + 1 from s where n < 30) select n from s';
    await conn.query(many);
    const big = await bySql(many);
    t.equal(big.response?.rows, 30);
    t.equal(big.response?.values?.length, 20);
    t.equal(big.response?.rowsTruncated, true);
    t.strictSame(big.response?.values?.[19], [20]);

    // several statements in one COM_QUERY: one exchange listing the results
    const multi =
      "select 1 as a; select 'x' as b, null as c; update item set price = 6 where id = 2";
    await conn.query(multi);
    const m = await bySql(multi);
    t.match(m.response, {
      tag: 'ResultSet',
      columns: ['a'],
      values: [[1]],
      rows: 3,
      text: /^3 results: 1 row; 1 row; OK, 1 row affected/,
    });

    // an error, and the transaction state from the status flags
    await t.rejects(conn.query('select nosuch from item'));
    const err = await bySql('select nosuch from item');
    t.match(err.response?.error, { code: '1054', sqlState: '42S22', message: /nosuch/ });
    t.equal(err.level, 40);
    await conn.query('begin');
    await conn.query('update item set price = 7 where id = 2');
    await conn.query('commit');
    t.equal((await bySql('begin')).txn, 'in');
    t.equal((await bySql('update item set price = 7 where id = 2')).txn, 'in');
    t.equal((await bySql('commit')).txn, 'idle');
    await conn.ping();
    t.match((await exchange((x) => x.request.text === 'COM_PING')).response, { tag: 'OK' });
    await conn.query('use app');
    const [prepared] = await Promise.all([conn.prepare('select ? as v')]);
    prepared.close();
    const closed = await exchange((x) => x.request.kind === 'close');
    t.equal(closed.request.sql, 'select ? as v');
    t.notOk(closed.response, 'COM_STMT_CLOSE has no answer');
    t.notOk(closed.incomplete, 'and is not incomplete');

    for (const x of mem.ofType('exchange')) {
      t.strictSame(JSON.parse(JSON.stringify(x)), x, `exchange ${x.id} is JSON-safe`);
    }
    t.notOk(
      mem.events.some((e) => e.type === 'error'),
      'no decoder errors or fallbacks',
    );
  },
);
