// Live: a real mariadbd behind the real relay (decode auto), driven by the mariadb CLI (plain and
// --compress) and by mysql2 (query, execute = prepared statements, an ERR 1054, a password in
// SQL). Checks the decoded messages and that the canary password never reaches the capture file.

import t from 'tap';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import mysql2 from 'mysql2/promise';
import { MemorySink, openCaptureFile, startRelay } from '../../../src/index.js';
import type { MessageEvent } from '../../../src/index.js';
import { secretForms } from '../../helpers/feed.js';
import { MARIADB, haveMariaDb, startMariaDb } from '../../helpers/mariadb-server.js';

const run = promisify(execFile);
const CANARY = 'liveCanary4Hq7Pz';
const NEW_PW = 'liveCanary9Wm2Kd';

t.test('mariadb + mysql2 through the relay', { timeout: 90_000 }, async (t) => {
  if (!haveMariaDb(t)) return;
  const db = await startMariaDb(t, CANARY);
  const dir = mkdtempSync(join(tmpdir(), 'looptap-mysql-live-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'capture.jsonl');
  const capture = await openCaptureFile(path);
  const mem = new MemorySink();
  const relay = await startRelay({
    target: `127.0.0.1:${db.port}`,
    decode: 'auto',
    sinks: [mem, capture],
  });
  let closed = false;
  t.teardown(() => (closed ? undefined : relay.close(0)));

  const cli = (sql: string, ...extra: string[]): Promise<{ stdout: string }> =>
    run(MARIADB, [
      '--no-defaults',
      '--skip-ssl',
      '-h127.0.0.1',
      `-P${relay.port}`,
      '-uapp',
      `-p${CANARY}`,
      'app',
      ...extra,
      '-e',
      sql,
    ]);
  const plain = await cli('select 1 as one');
  t.match(plain.stdout, /one\s+1/);
  const packed = await cli("select repeat('a', 300) as r", '--compress');
  t.match(packed.stdout, /a{300}/);
  await t.rejects(cli('select nosuch'), 'the CLI fails on ERR 1054');

  const conn = await mysql2.createConnection({
    host: '127.0.0.1',
    port: relay.port,
    user: 'app',
    password: CANARY,
    database: 'app',
  });
  const [rows] = await conn.query('select 1 + 1 as two');
  t.same(rows, [{ two: 2 }]);
  await conn.execute('insert into t (name) values (?)', ['hey']);
  const [found] = await conn.execute('select id, name from t where name = ? and id > ?', [
    'hey',
    0,
  ]);
  t.same(found, [{ id: 1, name: 'hey' }]);
  const failed = await conn.query('select nosuch from t').then(
    () => undefined,
    (e: { errno?: number }) => e.errno,
  );
  t.equal(failed, 1054, 'mysql2 gets ERR 1054');
  await conn.query(`set password = password('${NEW_PW}')`);
  await conn.end();

  // let the relay see both FINs, then flush everything
  await new Promise((r) => setTimeout(r, 200));
  await relay.close();
  closed = true;

  const msgs = mem.messages('mysql');
  const byName = (n: string): MessageEvent[] => msgs.filter((m) => m.name === n);
  const sqlOf = (m: MessageEvent): unknown => m.fields.sql;
  const queries = byName('COM_QUERY').map(sqlOf);
  t.ok(queries.includes('select 1 as one'), 'CLI query decoded');
  t.ok(queries.includes("select repeat('a', 300) as r"), 'compressed CLI query decoded');
  t.ok(queries.includes('select 1 + 1 as two'), 'mysql2 query decoded');
  t.ok(queries.includes("set password = password('[redacted]')"), 'password in SQL redacted');
  t.ok(
    byName('COM_STMT_PREPARE').some((m) => sqlOf(m) === 'insert into t (name) values (?)'),
    'prepare decoded',
  );
  const exec = byName('COM_STMT_EXECUTE');
  t.ok(
    exec.some(
      (m) =>
        sqlOf(m) === 'select id, name from t where name = ? and id > ?' &&
        JSON.stringify(m.fields.params) === '["hey",0]',
    ),
    'execute decoded with its sql and params',
  );
  t.ok(byName('COM_STMT_PREPARE_OK').length >= 2);
  const errs = byName('ERR').map((m) => m.fields.error as { code: number; sqlState: string });
  t.equal(errs.filter((e) => e.code === 1054 && e.sqlState === '42S22').length, 2, 'two ERR 1054');
  t.ok(byName('ERR').every((m) => m.level === 40 && typeof m.latencyMs === 'number'));
  const sets = byName('ResultSet');
  t.ok(sets.some((m) => JSON.stringify(m.fields.columns) === '["one"]' && m.fields.rows === 1));
  t.ok(
    sets.some((m) => JSON.stringify(m.fields.columns) === '["r"]'),
    'compressed result set',
  );
  t.ok(
    sets.some((m) => JSON.stringify(m.fields.columns) === '["id","name"]' && m.fields.rows === 1),
  );
  t.ok(
    byName('OK').some((m) => m.fields.affectedRows === 1 && m.fields.insertId === 1),
    'insert OK',
  );
  t.ok(
    [...sets, ...byName('OK')].every((m) => typeof m.latencyMs === 'number'),
    'latency on answers',
  );
  t.equal(byName('HandshakeV10').length, 4, 'four connections decoded from the greeting');
  t.notOk(
    mem.events.some(
      (e) => e.type === 'error' || (e.type === 'message' && e.name === 'decode-error'),
    ),
    'no decoder errors',
  );

  const text = readFileSync(path, 'utf8');
  for (const secret of [CANARY, NEW_PW]) {
    const hits = secretForms(secret).filter((f) => text.includes(f));
    t.same(hits, [], `${secret} absent from the capture file in every form`);
  }
  t.ok(text.includes('"name":"COM_QUERY"'), 'the capture holds decoded messages');
});
