// Password shapes found by trying looptap against a real MariaDB: a comment between the anchor
// and the literal (`IDENTIFIED /* c */ BY 'pw'`), a statement quoted in a literal (`PREPARE s
// FROM '... IDENTIFIED BY ''pw'''`, `EXECUTE IMMEDIATE` with `\'pw\'`), an ERR that quotes the
// literal alone (`CREATE USER u PASSWORD 'pw'` -> `near ''pw''`), a column named by its
// expression (`select password('pw')`). Each at the start of a statement (the decoder's rule)
// and past the kept window (the streaming scanner), fed the way the relay feeds: the canary in
// no form in the recorded bytes, messages or exchanges. And binary parameters that are not text
// show as hex, as binary columns do.

import t from 'tap';
import { mysql } from '../../../src/decoders/mysql/index.js';
import { redactEchoes, secretPlaceholders } from '../../../src/decoders/mysql/sql-secrets.js';
import type { Splitter } from '../../helpers/feed.js';
import { asCaptured, oneByte, prng, randomSplits, splitAt } from '../../helpers/feed.js';
import { feedExchanges } from '../../helpers/mysql-feed.js';
import {
  coldef,
  command,
  convo,
  eof,
  err,
  greeting,
  login,
  lstr,
  ok,
  packet,
  resultSet,
  u16,
  u32,
} from '../../helpers/mysql-frames.js';
import { leaks, record } from '../../helpers/mysql-relay-sim.js';

const CANARY = 'shapeCanary7Qx2';
const PAD = 'x'.repeat(70_000);

const SHAPES = [
  `alter user 'u'@'h' identified /* why */ by '${CANARY}'`,
  `alter user 'u'@'h' identified by/**/'${CANARY}'`,
  `alter user 'u'@'h' identified by # note\n '${CANARY}'`,
  `alter user 'u'@'h' identified by -- note\n '${CANARY}'`,
  `prepare s1 from 'alter user ''u''@''h'' identified by ''${CANARY}'''`,
  `prepare s1 from 'alter user ''u''@''h'' identified by ''it''''s${CANARY}'' password expire'`,
  `execute immediate 'set password for ''u''@''h'' = password(''${CANARY}'')'`,
  `execute immediate 'set password for \\'u\\'@\\'h\\' = password(\\'${CANARY}\\')'`,
  `execute immediate "alter user ""u""@""h"" identified by ""${CANARY}"""`,
];

function splitsFor(at: number): [string, Splitter][] {
  const splits: [string, Splitter][] = [
    ['asCaptured', asCaptured],
    ['random', randomSplits(prng(11), 40)],
  ];
  for (const d of [-3, -1, 0, 1, 4]) splits.push([`at ${d}`, splitAt(at + d)]);
  return splits;
}

t.test('comments and nested literals: the password is masked', (t) => {
  for (const shape of SHAPES) {
    for (const sql of [shape, `select '${PAD}'; ${shape}`]) {
      const chunks = convo(
        ['server', greeting()],
        ['client', login()],
        ['server', ok(2)],
        ['client', command(0x03, sql)],
        ['server', ok(1)],
        ['client', command(0x03, 'select 1')],
      );
      const where = sql.length > PAD.length ? 'past the window' : 'in the window';
      const at = Buffer.byteLength(sql.slice(0, sql.indexOf(CANARY))) + 5;
      for (const [name, split] of splitsFor(at)) {
        const rec = record(mysql, chunks, split);
        t.same(leaks(rec, CANARY), [], `${shape} (${where}, ${name})`);
        t.notOk(rec.fallback, 'no fallback');
        t.ok(rec.streams.client.toString('latin1').endsWith('select 1'), 'later bytes untouched');
      }
    }
  }
  const xs = feedExchanges(
    convo(
      ['server', greeting()],
      ['client', login()],
      ['server', ok(2)],
      ['client', command(0x03, SHAPES[0]!)],
      ['server', ok(1)],
    ),
  ).exchanges;
  t.equal(xs[0]?.request.sql, `alter user 'u'@'h' identified /* why */ by '[redacted]'`);
  t.end();
});

t.test('an ERR that quotes the literal alone does not show it', (t) => {
  // MariaDB: CREATE USER 'u'@'h' PASSWORD 'pw' -> 1064 ... near ''pw'' at line 1
  const sql = `create user 'u8'@'h' password '${CANARY}'`;
  const msg = `You have an error in your SQL syntax; check the manual that corresponds to your MariaDB server version for the right syntax to use near ''${CANARY}'' at line 1`;
  // a longer password is cut in the echo (`near` keeps 80 characters)
  const long = `${CANARY}${'z'.repeat(100)}`;
  const cut = `near '${long.slice(0, 80)}`;
  for (const [q, m] of [
    [sql, msg],
    [`create user 'u8'@'h' password '${long}'`, cut],
  ] as const) {
    const chunks = convo(
      ['server', greeting()],
      ['client', login()],
      ['server', ok(2)],
      ['client', command(0x03, q)],
      ['server', err(1, 1064, m, '42000')],
      ['client', command(0x03, 'select 1')],
      ['server', err(1, 1054, "Unknown column 'shapeCanary7Qx2' in 'SELECT'", '42S22')],
    );
    const splits: [string, Splitter][] = [
      ['asCaptured', asCaptured],
      ['oneByte', oneByte],
      ['random', randomSplits(prng(5), 13)],
    ];
    for (const [name, split] of splits) {
      const rec = record(mysql, chunks, split);
      // the second ERR answers a statement without a secret: it is not touched
      const server = rec.streams.server.toString('latin1');
      t.equal(server.split(CANARY).length - 1, 1, `${name}: only the unrelated ERR keeps it`);
      const xs = feedExchanges(chunks, split).exchanges;
      t.match(xs[0], { response: { error: { code: '1064', sqlState: '42000' } } });
      t.notOk(JSON.stringify(xs[0]).includes(CANARY.slice(0, 6)), `${name}: not in the exchange`);
      const errs = rec.messages.filter((x) => x.name === 'ERR');
      t.notOk(JSON.stringify(errs[0]).includes(CANARY.slice(0, 6)), `${name}: not in the ERR`);
      t.match(errs[0]?.fields, { error: { code: 1064, sqlState: '42000' } }, 'code kept');
    }
  }
  t.equal(redactEchoes(`near ''${CANARY}'' at line 1`, [CANARY]), "near ''[redacted]'' at line 1");
  t.equal(
    redactEchoes(`Duplicate entry '${CANARY}' for key`, [CANARY]),
    `Duplicate entry '[redacted]' for key`,
  );
  t.equal(redactEchoes('You have an error', ['an']), 'You have an error', 'only quoted echoes');
  t.end();
});

t.test("a column named by its expression (select password('pw')) does not show it", (t) => {
  const sql = `select password('${CANARY}')`;
  const chunks = convo(
    ['server', greeting()],
    ['client', login()],
    ['server', ok(2)],
    ['client', command(0x03, sql)],
    ['server', resultSet([`password('${CANARY}')`], [['*3C0A94DD37FFE107']])],
  );
  for (const [name, split] of [
    ['asCaptured', asCaptured],
    ['oneByte', oneByte],
  ] as [string, Splitter][]) {
    t.same(leaks(record(mysql, chunks, split), CANARY), [], `${name}: in no bytes or messages`);
    const xs = feedExchanges(chunks, split).exchanges;
    t.match(xs[0], { response: { columns: ["password('[redacted]')"], rows: 1 } });
  }
  // a prepared statement's column definitions too
  const prepOk = packet(
    1,
    Buffer.concat([Buffer.from([0x00]), u32(3), u16(1), u16(0), Buffer.from([0, 0, 0])]),
  );
  const prep = convo(
    ['server', greeting()],
    ['client', login()],
    ['server', ok(2)],
    ['client', command(0x16, sql)],
    ['server', Buffer.concat([prepOk, coldef(2, `password('${CANARY}')`), eof(3)])],
  );
  const xs = feedExchanges(prep).exchanges;
  t.match(xs[0], { response: { tag: 'PREPARE_OK', columns: ["password('[redacted]')"] } });
  t.notOk(JSON.stringify(xs).includes(CANARY), 'not in the PREPARE exchange');
  t.end();
});

t.test('a placeholder in a comment does not shift the password placeholder', (t) => {
  t.same(secretPlaceholders('/* why? */ alter user u identified /* c */ by ?'), [0]);
  t.same(secretPlaceholders('select ? # what?\n, password(?)'), [1]);
  t.same(secretPlaceholders("select '?', ? -- a ?\n, password(?)"), [1]);
  t.end();
});

t.test('binary parameters that are not text show as hex, as binary columns do', (t) => {
  const prepOk = packet(
    1,
    Buffer.concat([Buffer.from([0x00]), u32(4), u16(0), u16(2), Buffer.from([0, 0, 0])]),
  );
  const exec = packet(
    0,
    Buffer.concat([
      Buffer.from([0x17]),
      u32(4),
      Buffer.from([0]),
      u32(1),
      Buffer.from([0]), // NULL bitmap
      Buffer.from([1]), // types bound
      u16(0xfc), // BLOB, as mysql2 binds a Buffer
      u16(0xfd),
      lstr(Buffer.from([0x00, 0x01, 0xff])),
      lstr('tab\there\n'),
    ]),
  );
  const xs = feedExchanges(
    convo(
      ['server', greeting()],
      ['client', login()],
      ['server', ok(2)],
      ['client', command(0x16, 'select ?, ?')],
      ['server', Buffer.concat([prepOk, coldef(2, '?'), coldef(3, '?'), eof(4)])],
      ['client', exec],
      ['server', ok(1)],
    ),
  ).exchanges;
  t.match(xs[1], { request: { kind: 'execute', params: ['0x0001ff', 'tab\there\n'] } });
  t.end();
});
