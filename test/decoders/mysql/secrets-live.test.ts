// Live: mysql2 multi-statements whose password literal lies beyond the decoder's kept window
// (a 70,000-byte statement first, as a migration file sent as one query), through the real relay
// to a real MariaDB, written to a real capture file: the canaries appear in no form (raw, hex,
// base64) in the file, while the server really ran the statements (the logins work).

import t, { type Test as Tap } from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import mysql2 from 'mysql2/promise';
import { MemorySink, openCaptureFile, startRelay } from '../../../src/index.js';
import { secretForms } from '../../helpers/feed.js';
import { haveMariaDb, startMariaDb } from '../../helpers/mariadb-server.js';
import { tempDir } from '../../replay/helpers.js';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { MARIADB } from '../../helpers/mariadb-server.js';

const run = promisify(execFile);
const PASSWORD = 'secretsLive_pw_4Kd';
const CANARY_1 = 'liveWinCanary1Mx7';
const CANARY_2 = 'liveWinCanary2Qp3';
const CANARY_3 = 'liveWinCanary3Zr9';

/** a MariaDB whose `app` user may create users, a relay in front of it writing a capture file
 * and a memory sink, and a mysql2 connection through it */
async function relayedMariaDb(t: Tap, grants: string, multipleStatements = false) {
  const db = await startMariaDb(t, PASSWORD);
  await run(MARIADB, ['--no-defaults', '-S', db.socket, '-uroot', '-e', grants]);
  const path = join(tempDir(t, 'looptap-mysql-secrets-'), 'capture.jsonl');
  const file = await openCaptureFile(path);
  const mem = new MemorySink();
  const relay = await startRelay({
    target: `127.0.0.1:${db.port}`,
    decode: 'auto',
    sinks: [mem, file],
  });
  const conn = await mysql2.createConnection({
    host: '127.0.0.1',
    port: relay.port,
    user: 'app',
    password: PASSWORD,
    database: 'app',
    multipleStatements,
  });
  return { db, path, mem, relay, conn };
}

/** every form of each secret (raw, hex, base64) is absent from the capture file */
function noneIn(t: Tap, path: string, secrets: string[]): void {
  const text = readFileSync(path, 'utf8');
  for (const secret of secrets) {
    t.same(
      secretForms(secret).filter((f) => text.includes(f)),
      [],
      `${secret} in no form in the capture`,
    );
  }
}

t.test(
  'passwords beyond the kept window never reach the capture',
  { timeout: 120_000 },
  async (t) => {
    if (!haveMariaDb(t)) return;
    const { db, path, mem, relay, conn } = await relayedMariaDb(
      t,
      "GRANT ALL ON *.* TO 'app'@'127.0.0.1' WITH GRANT OPTION",
      true,
    );
    const pad = `select '${'x'.repeat(70_000)}' as pad`;
    await conn.query(`${pad}; create user 'w1'@'127.0.0.1' identified by '${CANARY_1}'`);
    await conn.query(
      `${pad}; create user 'w2'@'127.0.0.1'; set password for 'w2'@'127.0.0.1' = password('${CANARY_2}')`,
    );
    await conn.query(`${pad}; alter user 'w1'@'127.0.0.1' identified by '${CANARY_3}'`);
    await conn.query('select 1 as after');
    await conn.end();
    await mem.waitFor((e) => e.type === 'close');
    await relay.close();

    noneIn(t, path, [CANARY_1, CANARY_2, CANARY_3]);
    t.ok(
      mem.ofType('exchange').some((x) => x.request.sql === 'select 1 as after'),
      'the connection is still decoded after the long statements',
    );
    t.notOk(
      mem.events.some((e) => e.type === 'error'),
      'no fallback',
    );
    // the server did run them: the new logins work with the real passwords
    for (const [user, pw] of [
      ['w1', CANARY_3],
      ['w2', CANARY_2],
    ] as const) {
      const login = mysql2
        .createConnection({ host: '127.0.0.1', port: db.port, user, password: pw })
        .then((c) => c.end());
      await t.resolves(login, `${user} logs in with the password that was masked in the capture`);
    }
  },
);

t.test(
  'comments, quoted statements, ERR echoes and expression column names never reach the capture',
  { timeout: 120_000 },
  async (t) => {
    if (!haveMariaDb(t)) return;
    const { db, path, mem, relay, conn } = await relayedMariaDb(
      t,
      "GRANT ALL ON *.* TO 'app'@'127.0.0.1' WITH GRANT OPTION; CREATE USER 's1'@'127.0.0.1'",
    );
    const canaries = ['liveShape1Ab3', 'liveShape2Cd4', 'liveShape3Ef5', 'liveShape4Gh6'];
    await conn.query(`alter user 's1'@'127.0.0.1' identified /* c */ by '${canaries[0]}'`);
    await conn.query(
      `execute immediate 'alter user ''s1''@''127.0.0.1'' identified by ''${canaries[1]}'''`,
    );
    // a syntax error at the literal: MariaDB answers `near ''liveShape3Ef5'' at line 1`
    const refused: unknown = await conn
      .query(`create user 's2'@'127.0.0.1' password '${canaries[2]}'`)
      .catch((e: unknown) => e);
    t.match(refused, { errno: 1064 }, 'the server refused it');
    await conn.query(`select password('${canaries[3]}') as h, password('${canaries[3]}')`);
    await conn.end();
    await mem.waitFor((e) => e.type === 'close');
    await relay.close();

    noneIn(t, path, canaries);
    const xs = mem.ofType('exchange');
    t.match(
      xs.find((x) => x.response?.error),
      { response: { error: { code: '1064', message: /near ''\[redacted\]'' at line 1/ } } },
      'the ERR still says where the error was',
    );
    t.match(
      xs.find((x) => x.request.sql?.startsWith('select password')),
      { response: { columns: ['h', "password('[redacted]')"], rows: 1 } },
    );
    // the server ran the statements as sent: the nested literal is the password now
    const login = mysql2
      .createConnection({ host: '127.0.0.1', port: db.port, user: 's1', password: canaries[1] })
      .then((c) => c.end());
    await t.resolves(login, 's1 logs in with the password quoted in EXECUTE IMMEDIATE');
  },
);
