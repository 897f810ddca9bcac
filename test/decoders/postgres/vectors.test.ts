// PostgreSQL decoder on synthetic vectors built with test/helpers/pg-frames.ts (research note
// protocols.md section 7, vectors 4-13): password methods with canaries, errors, NOTIFY, COPY,
// pipelined batches with skip-to-Sync, protocol 3.2, SQL password literals, Bind params, TLS.
// Every vector is also fed one byte at a time and in random pieces: same messages.

// tap waits for a subtest by its returned promise: synchronous bodies are async on purpose
import { once } from 'node:events';
import net from 'node:net';
import tls from 'node:tls';
import t from 'tap';
import type { Test } from 'tap';
import type { Decoded } from '../../../src/decoders/decoder.js';
import { postgres } from '../../../src/decoders/postgres/index.js';
import type { Chunk } from '../../helpers/feed.js';
import {
  applyMasks,
  feed,
  oneByte,
  prng,
  randomSplits,
  secretForms,
  shape,
} from '../../helpers/feed.js';
import * as pg from '../../helpers/pg-frames.js';

/** feeds as built, one byte at a time and randomly split; asserts the same messages */
function run(t: Test, chunks: Chunk[], opts = {}): Decoded[] {
  const base = feed(postgres, chunks, undefined, opts);
  t.notOk(base.fallback, 'no fallback');
  for (const [label, split] of [
    ['one byte', oneByte],
    ['random', randomSplits(prng(7), 9)],
  ] as const) {
    t.same(shape(feed(postgres, chunks, split, opts).messages), shape(base.messages), label);
  }
  return base.messages;
}

/** the canary in no message and in no masked byte, whatever the chunking; visible unredacted */
function canary(t: Test, chunks: Chunk[], secret: string): void {
  for (const split of [undefined, oneByte, randomSplits(prng(11), 6)]) {
    const r = feed(postgres, chunks, split);
    const masked = applyMasks(chunks, r.masks);
    const text =
      JSON.stringify(r.messages) +
      masked.client.toString('latin1') +
      masked.server.toString('latin1');
    const hits = secretForms(secret).filter((f) => text.includes(f));
    t.same(hits, [], 'canary hidden');
  }
  const open = feed(postgres, chunks, undefined, { redact: false });
  t.ok(JSON.stringify(open.messages).includes(secret), 'canary visible with redact=false');
  t.same(open.masks, [], 'no masks with redact=false');
}

const named = (ms: Decoded[], name: string): Decoded => ms.find((m) => m.name === name)!;

t.test('cleartext password (pg_hba password): canary', async (t) => {
  const secret = 'canary-clear-5f1e9a';
  const chunks = pg.session([
    ['client', pg.startup({ user: 'tap', database: 'tapdb' })],
    ['server', pg.auth(3)],
    ['client', pg.password(secret)],
    ['server', [pg.auth(0), pg.backendKey(7, Buffer.from('kkkk')), pg.ready()]],
  ]);
  const ms = run(t, chunks);
  t.same(
    ms.map((m) => m.name),
    [
      'StartupMessage',
      'AuthenticationCleartextPassword',
      'PasswordMessage',
      'AuthenticationOk',
      'ReadyForQuery',
    ],
  );
  t.same(named(ms, 'PasswordMessage').fields, { method: 'cleartext', password: '[redacted]' });
  canary(t, chunks, secret);
});

t.test('md5 password: canary', async (t) => {
  const secret = 'md5' + 'c0ffee00canary11223344556677889a';
  const chunks = pg.session([
    ['client', pg.startup({ user: 'tap', database: 'tapdb' })],
    ['server', pg.auth(5, Buffer.from('salt'))],
    ['client', pg.password(secret)],
    ['server', [pg.auth(0), pg.ready()]],
  ]);
  const ms = run(t, chunks);
  t.same(named(ms, 'PasswordMessage').fields, { method: 'md5', password: '[redacted]' });
  t.equal(named(ms, 'AuthenticationMD5Password').fields.method, 'md5');
  canary(t, chunks, secret);
});

t.test('SCRAM: client nonce, proof and server signature hidden', async (t) => {
  const nonce = 'canaryNonceAAAAbbbbCCCC';
  const proof = 'canaryProofZZZZyyyyXXXX=';
  const sig = 'canarySigQQQQrrrrSSSS=';
  const chunks = pg.session([
    ['client', pg.startup({ user: 'tap', database: 'tapdb' })],
    ['server', pg.authSasl('SCRAM-SHA-256', 'SCRAM-SHA-256-PLUS')],
    ['client', pg.saslInitial('SCRAM-SHA-256', `n,,n=,r=${nonce}`)],
    ['server', pg.auth(11, Buffer.from(`r=${nonce}srv,s=c2FsdA==,i=4096`))],
    ['client', pg.saslResponse(`c=biws,r=${nonce}srv,p=${proof}`)],
    ['server', [pg.auth(12, Buffer.from(`v=${sig}`)), pg.auth(0), pg.ready()]],
  ]);
  const ms = run(t, chunks);
  t.same(named(ms, 'AuthenticationSASL').fields.mechanisms, [
    'SCRAM-SHA-256',
    'SCRAM-SHA-256-PLUS',
  ]);
  t.same(named(ms, 'SASLInitialResponse').fields, {
    mechanism: 'SCRAM-SHA-256',
    data: '[redacted]',
  });
  for (const s of [nonce, proof, sig]) canary(t, chunks, s);
});

t.test('ErrorResponse 22012 answers the Query; ReadyForQuery folded', async (t) => {
  const chunks = pg.session([
    ...pg.login(),
    ['client', pg.query('select 1/0')],
    [
      'server',
      [
        pg.errorResponse({
          S: 'ERROR',
          V: 'ERROR',
          C: '22012',
          M: 'division by zero',
          F: 'int.c',
          L: '1',
          R: 'x',
        }),
        pg.ready('I'),
      ],
    ],
  ]);
  const ms = run(t, chunks);
  const err = ms.at(-1)!;
  t.equal(err.name, 'ErrorResponse');
  t.same(err.fields, { error: { severity: 'ERROR', code: '22012', message: 'division by zero' } });
  t.equal(err.summary, 'ERROR 22012: division by zero');
  t.equal(err.level, 40);
  t.equal(err.latencyMs, 1);
});

t.test('multi-statement query, empty query, notice, ParameterStatus after startup', async (t) => {
  const chunks = pg.session([
    ...pg.login(),
    ['client', pg.query('select 1; select 2')],
    [
      'server',
      [
        pg.rowDescription(['a']),
        pg.dataRow(['1']),
        pg.commandComplete('SELECT 1'),
        pg.rowDescription(['b']),
        pg.dataRow(['2']),
        pg.commandComplete('SELECT 1'),
        pg.ready(),
      ],
    ],
    ['client', pg.query('')],
    ['server', [pg.emptyQuery(), pg.ready()]],
    ['client', pg.query("do $$ begin raise notice 'hi'; end $$; set application_name = 'x'")],
    [
      'server',
      [
        pg.noticeResponse({ S: 'NOTICE', V: 'NOTICE', C: '00000', M: 'hi' }),
        pg.commandComplete('DO'),
        pg.paramStatus('application_name', 'x'),
        pg.commandComplete('SET'),
        pg.ready(),
      ],
    ],
  ]);
  const ms = run(t, chunks).slice(3);
  t.same(
    ms.map((m) => m.name),
    [
      'Query',
      'RowDescription',
      'CommandComplete',
      'RowDescription',
      'CommandComplete',
      'Query',
      'EmptyQueryResponse',
      'Query',
      'NoticeResponse',
      'CommandComplete',
      'ParameterStatus',
      'CommandComplete',
    ],
  );
  t.same(ms[1]!.fields, { columns: ['a'] });
  t.same(named(ms, 'NoticeResponse').fields, {
    notice: { severity: 'NOTICE', code: '00000', message: 'hi' },
  });
  t.same(named(ms, 'ParameterStatus').fields, { parameter: 'application_name', value: 'x' });
});

t.test('LISTEN/NOTIFY: NotificationResponse, also unsolicited while idle', async (t) => {
  const chunks = pg.session([
    ...pg.login(),
    ['client', pg.query('listen ch')],
    ['server', [pg.commandComplete('LISTEN'), pg.ready()]],
    ['client', pg.query("notify ch, 'hello'")],
    ['server', [pg.commandComplete('NOTIFY'), pg.notification(4242, 'ch', 'hello'), pg.ready()]],
    ['server', pg.notification(999, 'ch', 'from another session')],
  ]);
  const ms = run(t, chunks);
  const n = ms.filter((m) => m.name === 'NotificationResponse');
  t.same(
    n.map((m) => m.fields),
    [
      { pid: 4242, channel: 'ch', payload: 'hello' },
      { pid: 999, channel: 'ch', payload: 'from another session' },
    ],
  );
  t.equal(n[0]!.summary, 'ch: hello');
});

t.test('COPY out and COPY in: one summary per COPY', async (t) => {
  const rows = Array.from({ length: 1000 }, (_, i) => pg.copyData(`${i}\tvalue ${i}\n`));
  const inBytes = rows.reduce((n, r) => n + r.length - 5, 0);
  const chunks = pg.session([
    ...pg.login(),
    ['client', pg.query('copy t to stdout')],
    [
      'server',
      [
        pg.copyOutResponse(2),
        pg.copyData('1\ta\n'),
        pg.copyData('2\tb\n'),
        pg.copyData('3\tc\n'),
        pg.msg('c'),
        pg.commandComplete('COPY 3'),
        pg.ready(),
      ],
    ],
    ['client', pg.query('copy t from stdin')],
    ['server', pg.copyInResponse(2)],
    ['client', [...rows, pg.copyDone()]],
    ['server', [pg.commandComplete('COPY 1000'), pg.ready()]],
    ['client', pg.query('copy t from stdin')],
    ['server', pg.copyInResponse(2)],
    ['client', [pg.copyData('x\n'), pg.copyFail('no thanks')]],
    [
      'server',
      [
        pg.errorResponse({ S: 'ERROR', C: '57014', M: 'COPY from stdin failed: no thanks' }),
        pg.ready(),
      ],
    ],
  ]);
  const ms = run(t, chunks).slice(3);
  t.same(
    ms.map((m) => `${m.from} ${m.name}`),
    [
      'client Query',
      'server CopyData',
      'server CommandComplete',
      'client Query',
      'client CopyData',
      'server CommandComplete',
      'client Query',
      'client CopyData',
      'server ErrorResponse',
    ],
  );
  t.same(ms[1]!.fields, {
    direction: 'out',
    messages: 3,
    bytes: 12,
    format: 'text',
    columns: 2,
    end: 'CopyDone',
  });
  t.same(ms[2]!.fields, { tag: 'COPY 3', rows: 3 });
  t.same(ms[4]!.fields, {
    direction: 'in',
    messages: 1000,
    bytes: inBytes,
    format: 'text',
    columns: 2,
    end: 'CopyDone',
  });
  t.match(ms[7]!.fields, { messages: 1, end: 'CopyFail', reason: 'no thanks' });
});

t.test('pipelined extended batches: error skips to Sync', async (t) => {
  const err = pg.errorResponse({ S: 'ERROR', C: '22012', M: 'division by zero' });
  const chunks = pg.session([
    ...pg.login(),
    // two batches in flight: the first fails at Execute, the second runs
    [
      'client',
      [
        pg.parse('', 'select 1/$1'),
        pg.bind('', '', ['0']),
        pg.execute(),
        pg.sync(),
        pg.parse('', 'select $1::int'),
        pg.bind('', '', ['5']),
        pg.describe('P'),
        pg.execute(),
        pg.sync(),
      ],
    ],
    [
      'server',
      [
        pg.parseComplete(),
        pg.bindComplete(),
        err,
        pg.ready(),
        pg.parseComplete(),
        pg.bindComplete(),
        pg.rowDescription(['int4']),
        pg.dataRow(['5']),
        pg.commandComplete('SELECT 1'),
        pg.ready(),
      ],
    ],
    // a Parse error: the Bind/Describe/Execute already sent are skipped
    [
      'client',
      [
        pg.parse('s1', 'selec oops'),
        pg.bind('', 's1', []),
        pg.describe('P'),
        pg.execute(),
        pg.sync(),
        pg.parse('', 'select 2'),
        pg.bind('', '', []),
        pg.execute(),
        pg.sync(),
      ],
    ],
    [
      'server',
      [
        pg.errorResponse({ S: 'ERROR', C: '42601', M: 'syntax error' }),
        pg.ready(),
        pg.parseComplete(),
        pg.bindComplete(),
        pg.dataRow(['2']),
        pg.commandComplete('SELECT 1'),
        pg.ready(),
      ],
    ],
    // the error arrives before the rest of the batch: ops sent later are flagged
    ['client', pg.parse('s2', 'selec oops')],
    ['client', pg.flush()],
    ['server', pg.errorResponse({ S: 'ERROR', C: '42601', M: 'syntax error' })],
    ['client', [pg.bind('', 's2', []), pg.execute(), pg.sync()]],
    ['server', pg.ready()],
  ]);
  const ms = run(t, chunks).slice(3);
  const errors = ms.filter((m) => m.name === 'ErrorResponse');
  t.same(
    errors.map((m) => [m.fields.failed, m.fields.skipped]),
    [
      ['Execute', undefined],
      ['Parse', ['Bind', 'Describe', 'Execute']],
      ['Parse', undefined],
    ],
  );
  t.same(
    ms.filter((m) => m.name === 'CommandComplete').map((m) => m.fields.tag),
    ['SELECT 1', 'SELECT 1'],
  );
  // ReadyForQuery is folded: the ErrorResponse was the batch's answer
  const late = ms.slice(-4);
  t.same(
    late.map((m) => [m.name, m.fields.skipped]),
    [
      ['ErrorResponse', undefined],
      ['Bind', true],
      ['Execute', true],
      ['Sync', undefined],
    ],
  );
});

t.test('extended protocol: Bind params, Close, Flush, PortalSuspended, latency', async (t) => {
  const bin = Buffer.from([0xde, 0xad, 0xbe, 0xef]);
  const long = 'x'.repeat(100);
  const chunks = pg.session([
    ...pg.login(),
    ['client', [pg.parse('st', 'select $1, $2, $3, $4', [25, 17, 25, 25]), pg.flush()]],
    ['server', pg.parseComplete()],
    [
      'client',
      [
        pg.bind('p1', 'st', ['text', bin, null, long], [0, 1, 0, 0]),
        pg.execute('p1', 10),
        pg.flush(),
      ],
    ],
    ['server', [pg.bindComplete(), pg.dataRow(['a']), pg.dataRow(['b']), pg.portalSuspended()]],
    ['client', [pg.closeMsg('P', 'p1'), pg.closeMsg('S', 'st'), pg.sync()]],
    ['server', [pg.closeComplete(), pg.closeComplete(), pg.ready()]],
  ]);
  const ms = run(t, chunks, { maxValue: 32 }).slice(3);
  t.same(
    ms.map((m) => m.name),
    ['Parse', 'Flush', 'Bind', 'Execute', 'Flush', 'PortalSuspended', 'Close', 'Close', 'Sync'],
    'ReadyForQuery folded: PortalSuspended answered since the last one',
  );
  t.same(ms[0]!.fields, {
    statement: 'st',
    sql: 'select $1, $2, $3, $4',
    paramTypes: [25, 17, 25, 25],
  });
  t.same(ms[2]!.fields.params, ['text', 'deadbeef', null, 'x'.repeat(32) + '…']);
  t.same(ms[3]!.fields, { portal: 'p1', maxRows: 10 });
  t.same(ms[5]!.fields, { rows: 2, rowBytes: 14 });
  t.equal(ms[5]!.latencyMs, 1, 'PortalSuspended latency from its Execute');
  t.same(ms[6]!.fields, { kind: 'portal', portal: 'p1' });
  t.same(ms[7]!.fields, { kind: 'statement', statement: 'st' });
});

t.test('protocol 3.2 startup, NegotiateProtocolVersion, long BackendKeyData key', async (t) => {
  const key = Buffer.from('k'.repeat(32));
  const chunks = pg.session([
    ['client', pg.startup({ user: 'tap', database: 'tapdb', _pq_x: '1' }, 0x00030002)],
    ['server', [pg.negotiate(2, ['_pq_x']), pg.auth(0), pg.backendKey(77, key), pg.ready()]],
  ]);
  const ms = run(t, chunks);
  t.match(ms[0]!.fields, { protocolVersion: '3.2', user: 'tap', parameters: { _pq_x: '1' } });
  t.same(ms[1]!.fields, { minor: 2, unrecognized: ['_pq_x'] });
  t.equal(ms.at(-1)!.fields.pid, 77);
  const r = feed(postgres, chunks);
  const masked = applyMasks(chunks, r.masks);
  t.notOk(masked.server.includes(key), 'BackendKeyData key masked');
});

t.test('GSSENCRequest and SSLRequest both declined, then a second StartupMessage', async (t) => {
  const chunks = pg.session([
    ['client', pg.gssencRequest()],
    ['server', Buffer.from('N')],
    ['client', pg.sslRequest()],
    ['server', Buffer.from('N')],
    ...pg.login(),
  ]);
  t.same(
    run(t, chunks).map((m) => m.name),
    [
      'GSSENCRequest',
      'SSLResponse',
      'SSLRequest',
      'SSLResponse',
      'StartupMessage',
      'AuthenticationOk',
      'ReadyForQuery',
    ],
  );
});

t.test('GSSENCRequest accepted: opaque', async (t) => {
  const r = feed(
    postgres,
    pg.session([
      ['client', pg.gssencRequest()],
      ['server', Buffer.from('G')],
    ]),
  );
  t.same(
    r.messages.map((m) => m.name),
    ['GSSENCRequest', 'gssenc'],
  );
  t.equal(r.opaque, true);
});

t.test('password literals in SQL are redacted and masked', async (t) => {
  const secret = 'canarySqlPw_93x';
  const chunks = pg.session([
    ...pg.login(),
    ['client', pg.query(`ALTER ROLE bob WITH PASSWORD '${secret}' VALID UNTIL 'infinity'`)],
    ['server', [pg.commandComplete('ALTER ROLE'), pg.ready()]],
    ['client', [pg.parse('', `create user x password E'${secret}\\'s'`), pg.sync()]],
    [
      'client',
      pg.query(
        `create subscription s connection 'host=h password=${secret} dbname=d' publication p`,
      ),
    ],
  ]);
  const ms = run(t, chunks);
  t.equal(ms[3]!.fields.sql, "ALTER ROLE bob WITH PASSWORD '[redacted]' VALID UNTIL 'infinity'");
  t.equal(ms[5]!.fields.sql, "create user x password '[redacted]'");
  t.match(ms.at(-1)!.fields.sql, /password=\[redacted\]|password='\[redacted\]'/);
  canary(t, chunks, secret);
});

t.test('startup parameters that look like secrets are redacted', async (t) => {
  const secret = 'canaryStartupTok';
  const chunks = pg.session([['client', pg.startup({ user: 'u', api_token: secret })]]);
  t.match(run(t, chunks)[0]!.fields, { parameters: { api_token: '[redacted]' } });
  canary(t, chunks, secret);
});

t.test('direct TLS ClientHello: SNI and ALPN read, then opaque', async (t) => {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(() => server.close());
  const got = once(server, 'connection');
  const port = (server.address() as net.AddressInfo).port;
  const client = tls.connect({
    port,
    host: '127.0.0.1',
    servername: 'db.example',
    ALPNProtocols: ['postgresql'],
  });
  client.on('error', () => {});
  const [sock] = (await got) as [net.Socket];
  const [hello] = (await once(sock, 'data')) as [Buffer];
  client.destroy();
  sock.destroy();
  const chunks = pg.session([['client', hello]]);
  const ms = run(t, chunks);
  t.same(
    ms.map((m) => m.name),
    ['tls'],
  );
  t.match(ms[0]!.fields, { via: 'direct', sni: 'db.example', alpn: ['postgresql'] });
  t.equal(feed(postgres, chunks).opaque, true);
});

t.test('latency: answers relative to the first byte of their request', async (t) => {
  const chunks: Chunk[] = [
    ...pg.session(pg.login()),
    { conn: 1, from: 'client', t: 5000, bytes: pg.query('select pg_sleep(1)').subarray(0, 3) },
    { conn: 1, from: 'client', t: 5010, bytes: pg.query('select pg_sleep(1)').subarray(3) },
    { conn: 1, from: 'server', t: 6000, bytes: pg.rowDescription(['pg_sleep']) },
    {
      conn: 1,
      from: 'server',
      t: 6025,
      bytes: Buffer.concat([pg.dataRow(['']), pg.commandComplete('SELECT 1'), pg.ready()]),
    },
  ];
  const cc = feed(postgres, chunks).messages.find((m) => m.name === 'CommandComplete')!;
  t.equal(cc.latencyMs, 1025);
});
