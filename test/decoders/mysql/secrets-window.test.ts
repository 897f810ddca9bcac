// Passwords in SQL that the decoder does not keep: a statement longer than its kept window
// (maxValue) with `IDENTIFIED BY '...'`, `SET PASSWORD = PASSWORD('...')` or `MASTER_PASSWORD=`
// after that point, in one COM_QUERY (mysql2 multi-statements) or spread over continuation
// frames. Fed the way the relay feeds (masks applied before a piece is recorded), under many
// chunkings: the canary is in no form (raw, hex, base64) in the recorded bytes or messages. And
// the streaming scanner alone (the module's SecretScanner) at every split point.

import t from 'tap';
import { mysql } from '../../../src/decoders/mysql/index.js';
import { SqlSecretScanner } from '../../../src/decoders/mysql/scanner.js';
import { Redactor } from '../../../src/relay/redactor.js';
import type { Splitter } from '../../helpers/feed.js';
import {
  asCaptured,
  oneByte,
  prng,
  randomSplits,
  secretForms,
  splitAt,
} from '../../helpers/feed.js';
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
  u16,
  u32,
} from '../../helpers/mysql-frames.js';
import { leaks, record } from '../../helpers/mysql-relay-sim.js';

const CANARY = 'winCanary5Tz8Qa';
const PAD = 'x'.repeat(70_000);

const STATEMENTS = [
  `select '${PAD}'; create user 'u'@'%' identified by '${CANARY}'`,
  `select '${PAD}'; set password for 'u'@'%' = password('${CANARY}')`,
  `select '${PAD}'; alter user u identified via ed25519 using password("${CANARY}")`,
  `select '${PAD}'; change master to master_password='${CANARY}'`,
  `select '${PAD}'; grant all on *.* to 'u'@'%' identified by 'it''s${CANARY}'`,
];

t.test('a password beyond the kept window is masked in the recorded bytes', (t) => {
  for (const sql of STATEMENTS) {
    const chunks = convo(
      ['server', greeting()],
      ['client', login()],
      ['server', ok(2)],
      ['client', command(0x03, sql)],
      ['server', ok(1)],
      ['client', command(0x03, 'select 1')],
    );
    const at = sql.indexOf(CANARY) + 5; // payload offset + 4-byte header + command byte
    const splits: [string, Splitter][] = [
      ['asCaptured', asCaptured],
      ['random', randomSplits(prng(7), 9000)],
    ];
    for (const d of [-9, -2, -1, 0, 1, 3, CANARY.length]) splits.push([`at ${d}`, splitAt(at + d)]);
    for (const [name, split] of splits) {
      const rec = record(mysql, chunks, split);
      t.same(leaks(rec, CANARY), [], `${sql.slice(72, 110)} (${name})`);
      t.notOk(rec.fallback, 'no fallback');
      // the rest of the connection is still readable: masks ended at the literal
      t.ok(rec.streams.client.toString('latin1').endsWith('select 1'), 'later bytes untouched');
    }
  }
  const off = record(
    mysql,
    convo(
      ['server', greeting()],
      ['client', login()],
      ['server', ok(2)],
      ['client', command(0x03, STATEMENTS[0]!)],
    ),
    asCaptured,
    { redact: false },
  );
  t.ok(off.streams.client.includes(CANARY), 'kept with redaction off');
  t.end();
});

/** runs the scanner over `text` cut at `cut`, masks applied as the Redactor does */
function scan(text: string, cuts: number[]): string {
  const scanner = new SqlSecretScanner();
  const redactor = new Redactor();
  const b = Buffer.from(text, 'latin1');
  let out = '';
  let at = 0;
  for (const end of [...cuts, b.length]) {
    const piece = b.subarray(at, end);
    for (const m of scanner.push('client', piece, at)) redactor.add(m);
    out += redactor.apply('client', at, piece).bytes.toString('latin1');
    at = end;
  }
  return out;
}

/** the same masking, except that the first quote of a doubled quote (`''`) that ends a chunk
 * may be left unmasked: the scanner cannot know yet that the literal goes on */
function alike(got: string, want: string): boolean {
  if (got.length !== want.length || (got.includes(CANARY) && !want.includes(CANARY))) return false;
  for (let i = 0; i < got.length; i++) {
    if (got[i] !== want[i] && !(want[i] === '*' && got[i] === "'" && got[i + 1] === '*'))
      return false;
  }
  return true;
}

t.test('the streaming scanner at every split point', (t) => {
  const cases: [string, string][] = [
    [
      `CREATE USER 'a'@'h' IDENTIFIED BY 'pw${CANARY}';`,
      `CREATE USER 'a'@'h' IDENTIFIED BY '*****************';`,
    ],
    [
      `set password = password("${CANARY}") -- x`,
      `set password = password("***************") -- x`,
    ],
    [`SET PASSWORD FOR 'u'@'h' = '${CANARY}'`, `SET PASSWORD FOR '*'@'*' = '***************'`],
    [`x identified by 'a''b${CANARY}' y`, `x identified by '*******************' y`],
    [`x identified by 'a\\'${CANARY}' y`, `x identified by '******************' y`],
    [
      `select password, name from t where id = '${CANARY}'`,
      `select password, name from t where id = '${CANARY}'`,
    ],
    [`passwords '${CANARY}'`, `passwords '${CANARY}'`],
  ];
  for (const [input, want] of cases) {
    t.equal(scan(input, []), want, input);
    let bad = 0;
    for (let i = 1; i < input.length; i++) {
      const got = scan(input, [i]);
      if (!alike(got, want) && bad++ < 2) t.equal(got, want, `${input} split at ${i}`);
    }
    const bytes = Array.from({ length: input.length - 1 }, (_, i) => i + 1);
    t.ok(alike(scan(input, bytes), want), `${input} one byte at a time`);
    t.equal(bad, 0, `${input}: every split`);
  }
  const forms = secretForms(CANARY);
  t.ok(forms.length >= 4, 'plain, hex and base64 forms are checked by the window test');
  t.end();
});

t.test('an ERR that quotes the statement does not show its password', (t) => {
  const sql = `create user x identified by '${CANARY}' oops`;
  const msg = `You have an error in your SQL syntax; check the manual that corresponds to your MariaDB server version for the right syntax to use near 'IDENTIFIED BY '${CANARY}' oops' at line 1`;
  const chunks = convo(
    ['server', greeting()],
    ['client', login()],
    ['server', ok(2)],
    ['client', command(0x03, sql)],
    ['server', err(1, 1064, msg, '42000')],
  );
  const splits: [string, Splitter][] = [
    ['asCaptured', asCaptured],
    ['oneByte', oneByte],
    ['random', randomSplits(prng(3), 11)],
  ];
  for (const [name, split] of splits) {
    t.same(leaks(record(mysql, chunks, split), CANARY), [], `${name}: in no bytes or messages`);
    const xs = feedExchanges(chunks, split).exchanges;
    t.match(xs, [{ response: { error: { code: '1064' } } }]);
    t.notOk(JSON.stringify(xs).includes(CANARY), `${name}: not in the exchange`);
  }
  t.end();
});

t.test('a password bound to a placeholder (`IDENTIFIED BY ?`) is masked in EXECUTE', (t) => {
  const sql = "select 1 where 'a?' = ?; alter user u identified by ?";
  const prepOk = packet(
    1,
    Buffer.concat([Buffer.from([0x00]), u32(5), u16(0), u16(2), Buffer.from([0, 0, 0])]),
  );
  const defs = Buffer.concat([coldef(2, '?'), coldef(3, '?'), eof(4)]);
  const value = (s: string): Buffer => lstr(s);
  const exec = packet(
    0,
    Buffer.concat([
      Buffer.from([0x17]),
      u32(5),
      Buffer.from([0]),
      u32(1),
      Buffer.from([0]), // NULL bitmap
      Buffer.from([1]), // types bound
      u16(0xfd),
      u16(0xfd),
      value('notsecret'),
      value(CANARY),
    ]),
  );
  const chunks = convo(
    ['server', greeting()],
    ['client', login()],
    ['server', ok(2)],
    ['client', command(0x16, sql)],
    ['server', Buffer.concat([prepOk, defs])],
    ['client', exec],
    ['server', ok(1)],
  );
  const splits: [string, Splitter][] = [
    ['asCaptured', asCaptured],
    ['oneByte', oneByte],
  ];
  for (let n = 1; n < exec.length; n++) splits.push([`at ${n}`, splitAt(n)]);
  let bad = 0;
  for (const [name, split] of splits) {
    const found = leaks(record(mysql, chunks, split), CANARY);
    if (found.length && bad++ < 2) t.same(found, [], name);
  }
  t.equal(bad, 0, `${splits.length} chunkings: the canary in no form`);
  const xs = feedExchanges(chunks).exchanges;
  t.match(xs[1], { request: { kind: 'execute', params: ['notsecret', '[redacted]'] } });
  const rec = record(mysql, chunks, asCaptured);
  t.ok(rec.streams.client.includes('notsecret'), 'the other parameter stays readable');
  t.end();
});
