// PostgreSQL decoder on real captured sessions (test/fixtures/postgres, from
// /work/shared/wire-samples): expected messages, and the same messages however the bytes are
// chunked (as captured, one byte at a time, every split point, random splits), with the SCRAM
// client proof masked in every chunking.
// Spec: https://www.postgresql.org/docs/current/protocol.html

// tap waits for a subtest by its returned promise: synchronous bodies are async on purpose
import t from 'tap';
import { postgres } from '../../../src/decoders/postgres/index.js';
import type { Chunk, Splitter } from '../../helpers/feed.js';
import {
  applyMasks,
  asCaptured,
  byConn,
  feed,
  loadWireSample,
  oneByte,
  prng,
  randomSplits,
  shape,
} from '../../helpers/feed.js';

const fixture = (name: string): Chunk[] =>
  loadWireSample(new URL(`../../fixtures/postgres/${name}.jsonl`, import.meta.url).pathname);

const names = (chunks: Chunk[]): string[] => feed(postgres, chunks).messages.map((m) => m.name);

/** the SCRAM client proofs (p=...) and nonces in a connection's client stream */
function scramSecrets(chunks: Chunk[]): string[] {
  const client = Buffer.concat(chunks.filter((c) => c.from === 'client').map((c) => c.bytes));
  return [...client.toString('latin1').matchAll(/(?:p|r)=([A-Za-z0-9+/=]{16,})/g)].map(
    (m) => m[1]!,
  );
}

/** splits only chunk number `which` at `at`: with all pairs this covers every split point */
function splitOne(chunks: Chunk[], which: number, at: number): Chunk[] {
  return chunks.flatMap((c, i) =>
    i !== which
      ? [c]
      : [
          { ...c, bytes: c.bytes.subarray(0, at) },
          { ...c, bytes: c.bytes.subarray(at) },
        ],
  );
}

t.test('sniff', async (t) => {
  const ssl = Buffer.from('0000000804d2162f', 'hex');
  t.equal(postgres.sniff('client', ssl), 'yes');
  t.equal(postgres.sniff('client', Buffer.from('0000000804d21630', 'hex')), 'yes', 'GSSENCRequest');
  t.equal(
    postgres.sniff('client', Buffer.from('0000001004d2162e0000000100000002', 'hex')),
    'yes',
    'cancel',
  );
  t.equal(postgres.sniff('client', Buffer.from('0000003700030000', 'hex')), 'yes', 'startup 3.0');
  t.equal(postgres.sniff('client', Buffer.from('0000003700030002', 'hex')), 'yes', 'startup 3.2');
  for (let i = 1; i < 8; i++)
    t.equal(postgres.sniff('client', ssl.subarray(0, i)), 'more', `${i} bytes`);
  t.equal(postgres.sniff('client', Buffer.from('GET / HTTP/1.1\r\n')), 'no');
  t.equal(postgres.sniff('client', Buffer.from('*1\r\n$4\r\nPING\r\n')), 'no');
  t.equal(postgres.sniff('client', Buffer.from('16030100', 'hex')), 'no', 'TLS is not claimed');
  t.equal(postgres.sniff('client', Buffer.from('0000ffff00030000', 'hex')), 'no', 'too long');
  t.equal(postgres.sniff('client', Buffer.from('0000003700040000', 'hex')), 'no', 'protocol 4');
  t.equal(postgres.sniff('server', ssl), 'no');
  t.equal(postgres.sniff('client', Buffer.alloc(0)), 'no');
});

t.test('pg_prefer: SSLRequest answered N, SCRAM login, select 1', async (t) => {
  const r = feed(postgres, fixture('pg_prefer'));
  t.same(
    r.messages.map((m) => m.name),
    [
      'SSLRequest',
      'SSLResponse',
      'StartupMessage',
      'AuthenticationSASL',
      'SASLInitialResponse',
      'AuthenticationSASLContinue',
      'SASLResponse',
      'AuthenticationSASLFinal',
      'AuthenticationOk',
      'ReadyForQuery',
      'Query',
      'RowDescription',
      'CommandComplete',
      'Terminate',
    ],
  );
  const by = Object.fromEntries(r.messages.map((m) => [m.name, m]));
  t.match(by.StartupMessage!.fields, { user: 'tap', database: 'tapdb', application_name: 'psql' });
  t.same(by.Query!.fields, { sql: 'select 1' });
  t.same(by.CommandComplete!.fields, { tag: 'SELECT 1', rows: 1, rowBytes: 7 });
  t.type(by.CommandComplete!.latencyMs, 'number');
  t.match(by.ReadyForQuery!.fields, { status: 'I', parameters: { server_encoding: 'UTF8' } });
  t.type(by.ReadyForQuery!.fields.pid, 'number');
  t.equal(by.SASLResponse!.fields.data, '[redacted]');
  t.notOk(r.fallback);
});

t.test('pg_pgbench: simple queries and prepared statements', async (t) => {
  const conns = byConn(fixture('pg_pgbench'));
  const c2 = feed(postgres, conns.get(2)!).messages;
  const tail = c2.slice(c2.findIndex((m) => m.name === 'Parse')).map((m) => m.name);
  t.same(tail, [
    'Parse',
    'Sync',
    'ReadyForQuery',
    'Bind',
    'Describe',
    'Execute',
    'Sync',
    'RowDescription',
    'CommandComplete',
    'Bind',
    'Describe',
    'Execute',
    'Sync',
    'RowDescription',
    'CommandComplete',
    'Terminate',
  ]);
  const bindMsg = c2.find((m) => m.name === 'Bind')!;
  t.same(bindMsg.fields, { portal: '', statement: 'P_0', params: ['23444'] });
  t.match(c2.find((m) => m.name === 'Parse')!.fields, { statement: 'P_0', sql: /WHERE aid = \$1/ });
  const c1 = feed(postgres, conns.get(1)!).messages;
  t.same(
    c1.filter((m) => m.name === 'CommandComplete').map((m) => m.fields.tag),
    ['SELECT 1', 'SELECT 1', 'VACUUM', 'VACUUM', 'TRUNCATE TABLE'],
  );
});

t.test('pg_ssl: cancelled query and a CancelRequest on its own connection', async (t) => {
  const conns = byConn(fixture('pg_ssl'));
  t.same(names(conns.get(1)!), ['SSLRequest', 'SSLResponse']);
  const c2 = feed(postgres, conns.get(2)!).messages;
  const err = c2.find((m) => m.name === 'ErrorResponse')!;
  t.match(err.fields, { error: { code: '57014', severity: 'ERROR', message: /canceling/ } });
  t.equal(err.level, 40);
  t.ok(err.latencyMs! > 500, 'latency from the Query, not from the RowDescription');
  const c3 = feed(postgres, conns.get(3)!);
  t.same(
    c3.messages.map((m) => m.name),
    ['CancelRequest'],
  );
  t.same(c3.messages[0]!.fields, {
    pid: c2.find((m) => m.name === 'ReadyForQuery')!.fields.pid,
    key: '[redacted]',
  });
  t.same(
    c3.masks.map((m) => [m.start, m.end]),
    [[12, 16]],
  );
});

t.test('pg_ssl2: SSLRequest answered S, one tls message, opaque', async (t) => {
  const r = feed(postgres, fixture('pg_ssl2'));
  t.same(
    r.messages.map((m) => m.name),
    ['SSLRequest', 'tls'],
  );
  t.equal(r.opaque, true);
  t.match(r.messages[1]!.summary, /sslmode=disable/);
});

const splitters: Array<[string, Splitter]> = [
  ['one byte', oneByte],
  ['random 1', randomSplits(prng(1))],
  ['random 2', randomSplits(prng(2), 5)],
  ['random 3', randomSplits(prng(3), 200)],
];

for (const name of ['pg_prefer', 'pg_pgbench', 'pg_ssl', 'pg_ssl2']) {
  t.test(`${name}: same messages in every chunking, secrets masked`, async (t) => {
    for (const [id, chunks] of byConn(fixture(name))) {
      const base = feed(postgres, chunks, asCaptured);
      const expected = shape(base.messages);
      const secrets = scramSecrets(chunks);
      const check = (label: string, list: Chunk[], split: Splitter = asCaptured): boolean => {
        const r = feed(postgres, list, split);
        const masked = applyMasks(list, r.masks);
        const text = masked.client.toString('latin1') + masked.server.toString('latin1');
        return (
          t.same(shape(r.messages), expected, `conn ${id} ${label}: messages`) &&
          t.equal(r.opaque, base.opaque, `conn ${id} ${label}: opaque`) &&
          t.ok(!secrets.some((s) => text.includes(s)), `conn ${id} ${label}: SCRAM data masked`)
        );
      };
      for (const [label, split] of splitters) check(label, chunks, split);
      let failures = 0;
      for (let c = 0; c < chunks.length && failures === 0; c++) {
        for (let at = 1; at < chunks[c]!.bytes.length; at++) {
          const r = feed(postgres, splitOne(chunks, c, at));
          if (JSON.stringify(shape(r.messages)) !== JSON.stringify(expected)) {
            failures++;
            t.same(shape(r.messages), expected, `conn ${id} chunk ${c} split at ${at}`);
            break;
          }
        }
      }
      t.equal(failures, 0, `conn ${id}: every split point gives the same messages`);
    }
  });
}
