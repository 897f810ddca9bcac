// Canary tests: a unique secret goes through the decoder in every place MySQL carries one, under
// every chunking, and must not come out in messages or in the recorded bytes (masks are applied
// the way the relay applies them: to the chunk being recorded and later ones only).

import t from 'tap';
import type { Test } from 'tap';
import { mysql } from '../../../src/decoders/mysql/index.js';
import { secretRanges, redactSql } from '../../../src/decoders/mysql/sql-secrets.js';
import type { Chunk, Splitter } from '../../helpers/feed.js';
import { everySplit } from '../../helpers/feed.js';
import {
  BASE_CAPS,
  CAPS,
  command,
  compressed,
  convo,
  cstr,
  greeting,
  login,
  ok,
  packet,
  u16,
} from '../../helpers/mysql-frames.js';
import { leaks, record } from '../../helpers/mysql-relay-sim.js';

const CANARY = 'tapCanary7Qx9Zr2Lw';

function splitters(chunks: Chunk[]): [string, Splitter][] {
  return [['as captured', (b) => [b]], ...everySplit(chunks, 10, 9)];
}

function noLeak(t: Test, label: string, chunks: Chunk[]): void {
  let bad = 0;
  const all = splitters(chunks);
  for (const [name, split] of all) {
    const found = leaks(record(mysql, chunks, split), CANARY);
    if (found.length && bad++ < 3) t.fail(`${label} (${name}) leaks: ${found.join('; ')}`);
  }
  t.equal(bad, 0, `${label}: no leak under ${all.length} chunkings`);
  {
    const open = leaks(
      record(mysql, chunks, (b) => [b], { redact: false }),
      CANARY,
    );
    t.ok(open.length > 0, `${label}: visible with redact=false`);
  }
}

const pw = Buffer.from(CANARY);
const start = (caps = BASE_CAPS): ['client' | 'server', Buffer][] => [
  ['server', greeting({ caps })],
  ['client', login({ caps })],
  ['server', ok(2)],
];
const query = (sql: string): Buffer => command(0x03, sql);

t.test('login auth data (mysql_clear_password in HandshakeResponse41)', (t) => {
  noLeak(
    t,
    'login',
    convo(
      ['server', greeting({ plugin: 'mysql_clear_password' })],
      ['client', login({ auth: pw, plugin: 'mysql_clear_password', attrs: { a: 'b' } })],
      ['server', ok(2)],
    ),
  );
  t.end();
});

t.test('auth responses: cleartext after AuthSwitchRequest and caching_sha2', (t) => {
  noLeak(
    t,
    'auth switch',
    convo(
      ['server', greeting()],
      ['client', login()],
      ['server', packet(2, Buffer.concat([Buffer.from([0xfe]), cstr('mysql_clear_password')]))],
      ['client', packet(3, Buffer.concat([pw, Buffer.from([0])]))],
      ['server', ok(4)],
    ),
  );
  noLeak(
    t,
    'caching_sha2 full auth',
    convo(
      ['server', greeting()],
      ['client', login()],
      ['server', packet(2, Buffer.from([0x01, 0x04]))],
      ['client', packet(3, Buffer.concat([pw, Buffer.from([0])]))],
      ['server', ok(4)],
    ),
  );
  t.end();
});

t.test('COM_CHANGE_USER', (t) => {
  const change = command(
    0x11,
    Buffer.concat([
      cstr('other'),
      Buffer.from([pw.length]),
      pw,
      cstr('db'),
      u16(33),
      cstr('mysql_clear_password'),
    ]),
  );
  noLeak(t, 'change user', convo(...start(), ['client', change], ['server', ok(1)]));
  const caps = BASE_CAPS | CAPS.COMPRESS;
  noLeak(
    t,
    'change user, compressed stored frame',
    convo(
      ...start(caps),
      ['client', compressed(0, change, false)],
      ['server', compressed(1, ok(1), false)],
    ),
  );
  t.end();
});

t.test('passwords in SQL', (t) => {
  const sqls = [
    `ALTER USER 'app'@'%' IDENTIFIED BY '${CANARY}'`,
    `create user bob identified with mysql_native_password by '${CANARY}', carl`,
    `SET PASSWORD FOR 'app'@'localhost' = '${CANARY}'`,
    `SET PASSWORD = PASSWORD("${CANARY}")`,
    `CREATE USER x IDENTIFIED VIA ed25519 USING PASSWORD('${CANARY}')`,
    `CHANGE MASTER TO MASTER_HOST='h', MASTER_PASSWORD='${CANARY}'`,
    `GRANT ALL ON *.* TO u IDENTIFIED BY '${CANARY}\\'s'`,
  ];
  for (const sql of sqls) {
    noLeak(t, sql, convo(...start(), ['client', query(sql)], ['server', ok(1)]));
  }
  noLeak(
    t,
    'prepare',
    convo(...start(), ['client', command(0x16, `alter user x identified by '${CANARY}'`)]),
  );
  const caps = BASE_CAPS | CAPS.COMPRESS;
  const sql = `ALTER USER app IDENTIFIED BY '${CANARY}'`;
  noLeak(
    t,
    'compressed stored',
    convo(...start(caps), ['client', compressed(0, query(sql), false)]),
  );
  noLeak(t, 'compressed zlib', convo(...start(caps), ['client', compressed(0, query(sql), true)]));
  t.end();
});

t.test('secretRanges and redactSql', (t) => {
  const cases: [string, string][] = [
    ["alter user a identified by 'pw'", "alter user a identified by '[redacted]'"],
    ["SET PASSWORD FOR 'u'@'%' = 'pw'", "SET PASSWORD FOR 'u'@'%' = '[redacted]'"],
    ["select 'pw'", "select 'pw'"],
    [
      "select password from users where name = 'bob'",
      "select password from users where name = 'bob'",
    ],
    ["update t set password_hash = 'x'", "update t set password_hash = 'x'"],
    ["alter user a identified by 'unterminated", "alter user a identified by '[redacted]"],
  ];
  for (const [sql, want] of cases) {
    const b = Buffer.from(sql);
    t.equal(redactSql(b, secretRanges(b)), want, sql);
  }
  t.end();
});
