// The MySQL decoder on real MariaDB sessions (test/fixtures/mysql/my.jsonl, protocols.md vectors
// 14-17) under every chunking, and on synthetic vectors for what MariaDB does not send.

import t from 'tap';
import type { Test } from 'tap';
import { mysql } from '../../../src/decoders/mysql/index.js';
import type { Chunk } from '../../helpers/feed.js';
import { applyMasks, everySplit, feed, prng, randomSplits, shape } from '../../helpers/feed.js';
import { mysqlSessions } from '../../helpers/mysql-feed.js';
import {
  BASE_CAPS,
  CAPS,
  coldef,
  command,
  compressed,
  convo,
  eof,
  err,
  greeting,
  lenenc,
  login,
  lstr,
  mysql8,
  ok,
  packet,
  resultSet,
  sslRequest,
  textRow,
  u16,
  u32,
} from '../../helpers/mysql-frames.js';

const conns = mysqlSessions();

const names = (chunks: Chunk[]): string[] => feed(mysql, chunks).messages.map((m) => m.name);

/** same messages and the same masked bytes whatever the chunking */
function sameEverySplit(t: Test, chunks: Chunk[], label: string): void {
  const ref = feed(mysql, chunks);
  const refShape = JSON.stringify(shape(ref.messages));
  const refMasked = applyMasks(chunks, ref.masks);
  const splitters = everySplit(chunks, 20);
  let bad = 0;
  for (const [name, split] of splitters) {
    const r = feed(mysql, chunks, split);
    const masked = applyMasks(chunks, r.masks);
    const same =
      JSON.stringify(shape(r.messages)) === refShape &&
      r.fallback === ref.fallback &&
      masked.client.equals(refMasked.client) &&
      masked.server.equals(refMasked.server);
    if (!same && bad++ < 3) t.fail(`${label}: ${name} differs`);
  }
  t.equal(bad, 0, `${label}: ${splitters.length} chunkings give the same messages and masks`);
}

t.test('sniff', (t) => {
  const g = conns.get(1)![0]!.bytes;
  t.equal(mysql.sniff('server', g), 'yes', 'MariaDB greeting');
  t.equal(mysql.sniff('server', g.subarray(0, 3)), 'more');
  t.equal(mysql.sniff('server', greeting()), 'yes', 'MySQL 8 greeting');
  t.equal(mysql.sniff('server', err(0, 1040, 'Too many connections')), 'yes', 'pre-greeting ERR');
  t.equal(mysql.sniff('client', g), 'no');
  t.equal(mysql.sniff('server', Buffer.from('+OK\r\n')), 'no');
  t.equal(mysql.sniff('server', Buffer.from('HTTP/1.1 200 OK\r\n')), 'no');
  t.equal(mysql.sniff('server', Buffer.alloc(0)), 'more');
  t.end();
});

t.test('captured: mariadb select 1 (vector 14)', (t) => {
  const r = feed(mysql, conns.get(1)!);
  t.notOk(r.fallback);
  t.same(
    r.messages.map((m) => m.name),
    ['HandshakeV10', 'HandshakeResponse41', 'OK', 'COM_QUERY', 'ResultSet', 'COM_QUIT'],
  );
  const [hello, loginMsg, okMsg, , rs] = r.messages;
  t.match(hello!.fields, {
    serverVersion: '5.5.5-10.11.19-MariaDB-0+deb12u1',
    threadId: 4,
    authPlugin: 'mysql_native_password',
  });
  t.match(loginMsg!.fields, {
    user: 'tap',
    schema: 'tapdb',
    authPlugin: 'mysql_native_password',
    authData: '[redacted] (20 bytes)',
    attrs: { program_name: 'mysql' },
  });
  t.match(okMsg!.fields, { schema: 'tapdb' });
  t.type(okMsg!.latencyMs, 'number');
  t.same(rs!.fields.columns, ['1']);
  t.equal(rs!.fields.rows, 1);
  t.equal(rs!.summary, '1 row, 1 column: 1');
  t.type(rs!.latencyMs, 'number');
  // the login after its 32 fixed bytes is masked
  t.same(r.masks, [{ from: 'client', start: 36, end: 217 }]);
  t.end();
});

t.test('captured: ERR 1054 (vector 15)', (t) => {
  const m = feed(mysql, conns.get(2)!).messages.find((x) => x.name === 'ERR')!;
  t.same(m.fields.error, {
    code: 1054,
    sqlState: '42S22',
    message: "Unknown column 'nosuch' in 'SELECT'",
  });
  t.equal(m.level, 40);
  t.type(m.latencyMs, 'number');
  t.end();
});

t.test('captured: --compress, stored + zlib frames (vector 16)', (t) => {
  const r = feed(mysql, conns.get(3)!);
  t.notOk(r.fallback);
  t.same(names(conns.get(3)!), [
    'HandshakeV10',
    'HandshakeResponse41',
    'OK',
    'COM_QUERY',
    'ResultSet',
    'COM_QUIT',
  ]);
  t.equal(r.messages[3]!.fields.sql, "select repeat('a', 200) as r");
  t.same(r.messages[4]!.fields.columns, ['r']);
  t.end();
});

t.test('captured: mysql2 prepare + execute (vector 17)', (t) => {
  const r = feed(mysql, conns.get(4)!);
  t.same(
    r.messages.map((m) => m.name),
    [
      'HandshakeV10',
      'HandshakeResponse41',
      'OK',
      'COM_STMT_PREPARE',
      'COM_STMT_PREPARE_OK',
      'COM_STMT_EXECUTE',
      'ResultSet',
      'COM_QUIT',
    ],
  );
  t.match(r.messages[4]!.fields, { statementId: 1, params: 2, columns: 2 });
  t.match(r.messages[5]!.fields, {
    statementId: 1,
    sql: 'select ? + 1 as x, ? as s',
    params: [41, 'hey'],
  });
  t.same(r.messages[6]!.fields.columns, ['x', 's']);
  t.end();
});

t.test('captured sessions: identical under every chunking', (t) => {
  for (const [id, chunks] of conns) sameEverySplit(t, chunks, `conn ${id}`);
  t.end();
});

t.test('synthetic: pre-greeting ERR 1040', (t) => {
  const r = feed(mysql, convo(['server', err(0, 1040, 'Too many connections')]));
  t.equal(r.messages[0]!.name, 'ERR');
  t.match(r.messages[0]!.fields.error, { code: 1040, message: 'Too many connections' });
  t.equal(r.messages[0]!.level, 40);
  t.end();
});

t.test('synthetic: SSLRequest -> one tls message, opaque', (t) => {
  const chunks = convo(
    ['server', greeting({ caps: BASE_CAPS | CAPS.SSL })],
    ['client', sslRequest()],
    ['client', Buffer.from('160301020001', 'hex')],
  );
  const r = feed(mysql, chunks);
  t.same(
    r.messages.map((m) => m.name),
    ['HandshakeV10', 'tls'],
  );
  t.ok(r.opaque);
  t.match(r.messages[1]!.summary, /ssl-mode=DISABLED/);
  sameEverySplit(t, chunks, 'ssl');
  t.end();
});

const caching = (caps = BASE_CAPS): [Chunk[], Buffer] => {
  const pw = Buffer.from('canary-Zq81xT\0');
  return [
    convo(
      ['server', greeting({ caps })],
      ['client', login({ caps })],
      ['server', packet(2, Buffer.from([0x01, 0x04]))],
      ['client', packet(3, Buffer.from([0x02]))],
      [
        'server',
        packet(4, Buffer.from('\x01-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----\n')),
      ],
      ['client', packet(5, pw)],
      ['server', ok(6)],
    ),
    pw,
  ];
};

t.test('synthetic: caching_sha2 full auth with AuthMoreData (vector 23)', (t) => {
  const [chunks] = caching();
  const r = feed(mysql, chunks);
  t.same(
    r.messages.map((m) => m.name),
    [
      'HandshakeV10',
      'HandshakeResponse41',
      'AuthMoreData',
      'AuthResponse',
      'AuthMoreData',
      'AuthResponse',
      'OK',
    ],
  );
  t.equal(r.messages[2]!.summary, 'full authentication required');
  t.equal(r.messages[4]!.summary, 'public key');
  t.equal(r.messages[6]!.summary, 'authenticated');
  sameEverySplit(t, chunks, 'caching_sha2');
  t.end();
});

t.test('synthetic: auth switch (ed25519 style)', (t) => {
  const r = feed(
    mysql,
    convo(
      ['server', greeting({ plugin: 'mysql_native_password' })],
      ['client', login({ plugin: 'mysql_native_password' })],
      [
        'server',
        packet(
          2,
          Buffer.concat([
            Buffer.from([0xfe]),
            Buffer.from('client_ed25519\0'),
            Buffer.alloc(32, 9),
          ]),
        ),
      ],
      ['client', packet(3, Buffer.alloc(64, 5))],
      ['server', ok(4)],
    ),
  );
  t.equal(r.messages[2]!.name, 'AuthSwitchRequest');
  t.equal(r.messages[2]!.fields.authPlugin, 'client_ed25519');
  t.equal(r.messages[3]!.name, 'AuthResponse');
  t.ok(
    r.masks.some((m) => m.from === 'client'),
    'client auth packet masked',
  );
  t.ok(
    r.masks.some((m) => m.from === 'server'),
    'auth switch data masked',
  );
  t.end();
});

t.test('synthetic: DEPRECATE_EOF and query attributes (vector 23)', (t) => {
  const chunks = mysql8(
    // 03 01 01 00 01 fe 00 01 61 01 31 select...
    [
      'client',
      command(
        0x03,
        Buffer.concat([
          Buffer.from('01010001fe0001610131', 'hex'),
          Buffer.from('select a, b from t'),
        ]),
      ),
    ],
    [
      'server',
      resultSet(
        ['a', 'b'],
        [
          ['1', 'x'],
          ['2', 'y'],
        ],
        { deprecateEof: true },
      ),
    ],
    ['client', command(0x03, Buffer.concat([Buffer.from([0, 1]), Buffer.from('select 1')]))],
    ['server', resultSet(['1'], [['1']], { deprecateEof: true })],
  );
  const r = feed(mysql, chunks);
  t.notOk(r.fallback);
  const q = r.messages.filter((m) => m.name === 'COM_QUERY');
  t.equal(q[0]!.fields.sql, 'select a, b from t');
  t.same(q[0]!.fields.queryAttributes, { a: '1' });
  t.equal(q[1]!.fields.sql, 'select 1');
  const rs = r.messages.filter((m) => m.name === 'ResultSet');
  t.same(rs[0]!.fields.columns, ['a', 'b']);
  t.equal(rs[0]!.fields.rows, 2);
  t.equal(rs[1]!.fields.rows, 1);
  sameEverySplit(t, chunks, 'mysql8');
  t.end();
});

t.test('synthetic: a row starting with 0xfe is not a terminator', (t) => {
  // a text row whose first value is 8-byte lenenc would be >= 16 MB; a small packet starting
  // 0xfe of length >= 9 without DEPRECATE_EOF is a row
  const row = packet(4, Buffer.concat([Buffer.from([0xfe]), Buffer.alloc(8, 0), Buffer.from('x')]));
  const chunks = convo(
    ['server', greeting({ caps: BASE_CAPS })],
    ['client', login({ caps: BASE_CAPS })],
    ['server', ok(2)],
    ['client', command(0x03, 'select x')],
    [
      'server',
      Buffer.concat([packet(1, lenenc(1)), coldef(2, 'x'), eof(3), row, textRow(5, ['y']), eof(6)]),
    ],
  );
  const rs = feed(mysql, chunks).messages.find((m) => m.name === 'ResultSet')!;
  t.equal(rs.fields.rows, 2);
  t.end();
});

t.test('synthetic: multi result sets (MORE_RESULTS) and CALL', (t) => {
  const more = 0x0008 | 0x0002;
  const chunks = mysql8(
    [
      'client',
      command(0x03, Buffer.concat([Buffer.from([0, 1]), Buffer.from('select 1; select 2')])),
    ],
    [
      'server',
      Buffer.concat([
        resultSet(['1'], [['1']], { deprecateEof: true, status: more }),
        resultSet(['2'], [['2']], { deprecateEof: true, seq: 4 }),
      ]),
    ],
    ['client', command(0x03, Buffer.concat([Buffer.from([0, 1]), Buffer.from('call p()')]))],
    [
      'server',
      Buffer.concat([resultSet(['x'], [['1']], { deprecateEof: true, status: more }), ok(4)]),
    ],
    ['client', command(0x0e, '')],
    ['server', ok(1)],
  );
  const r = feed(mysql, chunks);
  t.same(
    r.messages.slice(3).map((m) => m.name),
    ['COM_QUERY', 'ResultSet', 'ResultSet', 'COM_QUERY', 'ResultSet', 'OK', 'COM_PING', 'OK'],
  );
  t.equal(r.messages[4]!.fields.moreResults, true);
  sameEverySplit(t, chunks, 'multi');
  t.end();
});

t.test('synthetic: LOCAL INFILE (vector 20)', (t) => {
  const chunks = mysql8(
    [
      'client',
      command(
        0x03,
        Buffer.concat([
          Buffer.from([0, 1]),
          Buffer.from("load data local infile '/tmp/x.csv' into table t"),
        ]),
      ),
    ],
    ['server', packet(1, Buffer.concat([Buffer.from([0xfb]), Buffer.from('/tmp/x.csv')]))],
    [
      'client',
      Buffer.concat([
        packet(2, Buffer.from('1,a\n2,b\n')),
        packet(3, Buffer.from('3,c\n')),
        packet(4, Buffer.alloc(0)),
      ]),
    ],
    ['server', ok(5, { affected: 3 })],
  );
  const r = feed(mysql, chunks);
  t.same(
    r.messages.slice(3).map((m) => m.name),
    ['COM_QUERY', 'LOCAL_INFILE_REQUEST', 'LOCAL_INFILE_DATA', 'OK'],
  );
  t.equal(r.messages[4]!.fields.filename, '/tmp/x.csv');
  t.same(r.messages[5]!.fields, { bytes: 12, packets: 2 });
  t.equal(r.messages[6]!.fields.affectedRows, 3);
  t.match(r.messages[6]!.summary, /3 rows affected/);
  t.end();
});

t.test('synthetic: prepare/execute with DEPRECATE_EOF, typed params, close, reset', (t) => {
  const prepOk = packet(
    1,
    Buffer.concat([Buffer.from([0]), u32(7), u16(1), u16(3), Buffer.from([0]), u16(0)]),
  );
  const defs = Buffer.concat([coldef(2, '?'), coldef(3, '?'), coldef(4, '?'), coldef(5, 'c')]);
  const exec = command(
    0x17,
    Buffer.concat([
      u32(7),
      Buffer.from([0]),
      u32(1),
      lenenc(3), // QUERY_ATTRIBUTES: parameter count
      Buffer.from([0b010]), // param 1 is NULL
      Buffer.from([1]),
      u16(0x08 | 0x8000), // unsigned LONGLONG
      lstr(''),
      u16(0x06),
      lstr(''),
      u16(0x0c), // DATETIME
      lstr(''),
      Buffer.from('ffffffffffffffff', 'hex'),
      Buffer.from([7]),
      u16(2024),
      Buffer.from([2, 29, 13, 5, 9]),
    ]),
  );
  const chunks = mysql8(
    ['client', command(0x16, 'select c from t where a = ? and b = ? and d = ?')],
    ['server', Buffer.concat([prepOk, defs])],
    ['client', exec],
    [
      'server',
      Buffer.concat([
        packet(1, lenenc(1)),
        coldef(2, 'c'),
        packet(3, Buffer.from([0, 0, 1, 0x61])),
        ok(4, { header: 0xfe }),
      ]),
    ],
    ['client', command(0x1a, u32(7))],
    ['server', ok(1)],
    ['client', command(0x19, u32(7))],
    ['client', command(0x0e, '')],
    ['server', ok(1)],
  );
  const r = feed(mysql, chunks);
  t.notOk(r.fallback);
  t.same(
    r.messages.slice(3).map((m) => m.name),
    [
      'COM_STMT_PREPARE',
      'COM_STMT_PREPARE_OK',
      'COM_STMT_EXECUTE',
      'ResultSet',
      'COM_STMT_RESET',
      'OK',
      'COM_STMT_CLOSE',
      'COM_PING',
      'OK',
    ],
  );
  t.same(r.messages[5]!.fields.params, ['18446744073709551615', null, '2024-02-29 13:05:09']);
  t.equal(r.messages[5]!.fields.sql, 'select c from t where a = ? and b = ? and d = ?');
  t.equal(r.messages[6]!.fields.rows, 1);
  sameEverySplit(t, chunks, 'prepare');
  t.end();
});

t.test('synthetic: zstd compression -> message, opaque', (t) => {
  const caps = BASE_CAPS | CAPS.ZSTD;
  const zstdFrame = Buffer.concat([
    Buffer.from([13, 0, 0, 0, 20, 0, 0]),
    Buffer.from('28b52ffd', 'hex'),
    Buffer.alloc(9),
  ]);
  const r = feed(
    mysql,
    convo(
      ['server', greeting({ caps })],
      ['client', login({ caps })],
      ['server', ok(2)],
      ['client', zstdFrame],
    ),
  );
  t.equal(r.messages.at(-1)!.summary, 'compressed (zstd), not decoded');
  t.ok(r.opaque);
  t.end();
});

t.test('synthetic: zlib compression, a packet across compressed frames', (t) => {
  const caps = BASE_CAPS | CAPS.COMPRESS;
  const q = command(0x03, `select '${'z'.repeat(300)}'`);
  const reply = resultSet(['v'], [['z'.repeat(300)], ['b']]);
  const chunks = convo(
    ['server', greeting({ caps })],
    ['client', login({ caps })],
    ['server', ok(2)],
    [
      'client',
      Buffer.concat([compressed(0, q.subarray(0, 10), false), compressed(1, q.subarray(10), true)]),
    ],
    [
      'server',
      Buffer.concat([
        compressed(0, reply.subarray(0, 100), true),
        compressed(1, reply.subarray(100), false),
      ]),
    ],
  );
  const r = feed(mysql, chunks);
  t.notOk(r.fallback);
  t.same(
    r.messages.slice(3).map((m) => m.name),
    ['COM_QUERY', 'ResultSet'],
  );
  t.equal(r.messages[4]!.fields.rows, 2);
  sameEverySplit(t, chunks, 'zlib');
  t.end();
});

t.test('synthetic: continuation frames > 16 MB, kept bytes capped', (t) => {
  const size = 0xffffff + 1000;
  const sql = Buffer.alloc(size, 0x61);
  Buffer.from('select ').copy(sql);
  const chunks = mysql8(
    ['client', command(0x03, Buffer.concat([Buffer.from([0, 1]), sql]))],
    ['server', ok(2)],
  );
  const r = feed(mysql, chunks, randomSplits(prng(3), 1 << 20), { maxValue: 100 });
  const q = r.messages.find((m) => m.name === 'COM_QUERY')!;
  t.equal((q.fields.sql as string).length, 100);
  t.equal(q.fields.truncated, true);
  t.equal(r.messages.at(-1)!.name, 'OK');
  t.end();
});

t.test('synthetic: result row > 16 MB (vector 21)', (t) => {
  const big = Buffer.alloc(17 * 1024 * 1024, 0x61);
  const reply = Buffer.concat([
    packet(1, lenenc(1)),
    coldef(2, 'r'),
    eof(3),
    packet(4, lstr(big)),
    eof(6),
  ]);
  const chunks = convo(
    ['server', greeting()],
    ['client', login()],
    ['server', ok(2)],
    ['client', command(0x03, "select repeat('a', 17*1024*1024) r")],
    ['server', reply],
  );
  const r = feed(mysql, chunks, randomSplits(prng(4), 1 << 16));
  const rs = r.messages.find((m) => m.name === 'ResultSet')!;
  t.equal(rs.fields.rows, 1);
  t.notOk(r.fallback);
  t.end();
});

t.test('synthetic: COM_INIT_DB, unsolicited ERR, OK with insert id', (t) => {
  const r = feed(
    mysql,
    mysql8(
      ['client', command(0x02, 'other')],
      ['server', ok(1)],
      [
        'client',
        command(
          0x03,
          Buffer.concat([Buffer.from([0, 1]), Buffer.from('insert into t values (1)')]),
        ),
      ],
      ['server', ok(1, { affected: 1, insertId: 42 })],
      [
        'server',
        err(0, 4031, 'The client was disconnected by the server because of inactivity.', 'HY000'),
      ],
    ),
  );
  const msgs = r.messages.slice(3);
  t.same(
    msgs.map((m) => m.name),
    ['COM_INIT_DB', 'OK', 'COM_QUERY', 'OK', 'ERR'],
  );
  t.equal(msgs[0]!.fields.schema, 'other');
  t.match(msgs[3]!.fields, { affectedRows: 1, insertId: 42 });
  t.equal(msgs[4]!.latencyMs, undefined);
  t.end();
});

t.test('messages are JSON-safe and use no reserved field names', (t) => {
  const reserved = ['type', 'time', 'level', 'msg', 'conn', 'from', 'protocol', 'name', 'route'];
  for (const chunks of conns.values()) {
    for (const m of feed(mysql, chunks).messages) {
      t.doesNotThrow(() => JSON.stringify(m));
      const clash = reserved.filter((k) => k in m.fields);
      if (clash.length) t.fail(`${m.name} uses reserved fields ${clash.join(', ')}`);
    }
  }
  t.end();
});
