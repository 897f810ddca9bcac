// PostgreSQL exchanges (one request and its answer) from the decoder: on the captured sessions at
// every split point, and on synthetic sessions for each shape the protocol has: a multi-statement
// Query, extended cycles (unnamed, named and prepared once then executed many times, pipelined,
// the skip-to-Sync after an error), COPY in and out, transaction states, row caps and cut values.

// tap waits for a subtest by its returned promise: synchronous bodies are async on purpose
import t from 'tap';
import type { Chunk } from '../../helpers/feed.js';
import { byConn, loadWireSample, oneByte } from '../../helpers/feed.js';
import { feedPg, notJson, xshape } from '../../helpers/pg-feed.js';
import * as pg from '../../helpers/pg-frames.js';

const fixture = (name: string): Chunk[] =>
  loadWireSample(new URL(`../../fixtures/postgres/${name}.jsonl`, import.meta.url).pathname);

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

const run = (steps: Parameters<typeof pg.session>[0], opts = {}) =>
  feedPg(pg.session([...pg.login(), ...steps]), undefined, opts);

t.test('captured sessions: the same exchanges at every split point', async (t) => {
  for (const name of ['pg_prefer', 'pg_pgbench']) {
    for (const [conn, chunks] of byConn(fixture(name))) {
      const want = xshape(feedPg(chunks).exchanges);
      let same = 0;
      let points = 0;
      for (let i = 0; i < chunks.length; i++) {
        for (let at = 1; at < chunks[i]!.bytes.length; at++) {
          points++;
          const got = xshape(feedPg(splitOne(chunks, i, at)).exchanges);
          if (JSON.stringify(got) === JSON.stringify(want)) same++;
          else t.same(got, want, `${name} #${conn} chunk ${i} split at ${at}`);
        }
      }
      t.equal(same, points, `${name} #${conn}: ${points} split points`);
      t.same(xshape(feedPg(chunks, oneByte).exchanges), want, `${name} #${conn} one byte`);
    }
  }
  const bench = [...byConn(fixture('pg_pgbench')).values()];
  const setup = feedPg(bench[0]!).exchanges;
  t.match(setup[0], {
    request: { kind: 'query', text: 'select count(*) from pgbench_branches' },
    response: { tag: 'SELECT 1', rows: 1, columns: ['count'], values: [[1]] },
    txn: 'idle',
  });
  const prepared = feedPg(bench[1]!).exchanges;
  t.same(
    prepared.map((x) => x.request.kind),
    ['prepare', 'execute', 'execute'],
  );
  t.match(prepared[1], {
    request: { statement: 'P_0', sql: /^SELECT abalance FROM pgbench_accounts WHERE aid = \$1/ },
    response: { columns: ['abalance'], values: [[0]] },
  });
  t.ok(typeof prepared[1]!.latencyMs === 'number', 'latency');
});

t.test('a multi-statement Query is one exchange up to its ReadyForQuery', async (t) => {
  const r = run([
    ['client', pg.query("begin; select 1 as a, 'x' as b; update t set x = 1; commit")],
    [
      'server',
      [
        pg.commandComplete('BEGIN'),
        pg.rowDescriptionTyped([
          ['a', 23],
          ['b', 25],
        ]),
        pg.dataRow(['1', 'x']),
        pg.commandComplete('SELECT 1'),
        pg.commandComplete('UPDATE 3'),
        pg.commandComplete('COMMIT'),
        pg.ready('I'),
      ],
    ],
  ]);
  t.equal(r.exchanges.length, 1);
  t.match(r.exchanges[0], {
    request: { kind: 'query', sql: /^begin; select 1/ },
    response: {
      text: 'BEGIN; SELECT 1; UPDATE 3; COMMIT',
      tag: 'COMMIT',
      rows: 4,
      columns: ['a', 'b'],
      values: [[1, 'x']],
    },
    txn: 'idle',
    latencyMs: 1,
  });
});

t.test('transaction states and errors of a simple query', async (t) => {
  const r = run([
    ['client', pg.query('begin')],
    ['server', [pg.commandComplete('BEGIN'), pg.ready('T')]],
    ['client', pg.query('select 1/0')],
    [
      'server',
      [
        pg.errorResponse({ S: 'ERROR', V: 'ERROR', C: '22012', M: 'division by zero' }),
        pg.ready('E'),
      ],
    ],
    ['client', pg.query('rollback')],
    ['server', [pg.commandComplete('ROLLBACK'), pg.ready('I')]],
  ]);
  t.same(
    r.exchanges.map((x) => [x.request.text, x.response?.text, x.txn]),
    [
      ['begin', 'BEGIN', 'in'],
      ['select 1/0', 'ERROR 22012 division by zero', 'failed'],
      ['rollback', 'ROLLBACK', 'idle'],
    ],
  );
  t.same(r.exchanges[1]!.response!.error, { code: '22012', message: 'division by zero' });
  t.equal(r.exchanges[1]!.level, 40);
});

t.test('extended: unnamed, named prepared once and executed many times, pipelined', async (t) => {
  const r = run([
    [
      'client',
      [
        pg.parse('', 'select $1::int4 + 1 as n, $2::text as s', [23, 25]),
        pg.bind('', '', ['41', 'hi']),
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
        pg.rowDescriptionTyped([
          ['n', 23],
          ['s', 25],
        ]),
        pg.dataRow(['42', 'hi']),
        pg.commandComplete('SELECT 1'),
        pg.ready('I'),
      ],
    ],
    // a named statement: Parse + Describe + Sync, then two executions (pipelined, one Sync)
    ['client', [pg.parse('q1', 'select $1 as v'), pg.describe('S', 'q1'), pg.sync()]],
    [
      'server',
      [
        pg.parseComplete(),
        pg.parameterDescription([20]),
        pg.rowDescriptionTyped([['v', 20]]),
        pg.ready('I'),
      ],
    ],
    [
      'client',
      [
        pg.bind('', 'q1', [Buffer.from('0000000000000007', 'hex')], [1], [1]),
        pg.execute(),
        pg.bind('', 'q1', ['8'], [0], [0]),
        pg.execute(),
        pg.sync(),
      ],
    ],
    [
      'server',
      [
        pg.bindComplete(),
        pg.dataRow([Buffer.from('0000000000000007', 'hex')]),
        pg.commandComplete('SELECT 1'),
        pg.bindComplete(),
        pg.dataRow(['8']),
        pg.commandComplete('SELECT 1'),
        pg.ready('T'),
      ],
    ],
  ]);
  t.same(
    r.exchanges.map((x) => x.request.kind),
    ['extended', 'prepare', 'execute', 'execute'],
  );
  const [first, prep, exec1, exec2] = r.exchanges;
  t.match(first, {
    request: { sql: 'select $1::int4 + 1 as n, $2::text as s', params: [41, 'hi'] },
    response: { tag: 'SELECT 1', rows: 1, columns: ['n', 's'], values: [[42, 'hi']] },
    txn: 'idle',
  });
  t.notOk('statement' in first!.request, 'the unnamed statement has no name');
  t.match(prep, {
    request: { statement: 'q1', sql: 'select $1 as v' },
    response: { text: 'prepared' },
  });
  // the ParameterDescription typed $1 as int8; binary param and binary result decoded by type
  t.match(exec1, {
    request: { statement: 'q1', sql: 'select $1 as v', params: [7] },
    response: { values: [[7]] },
    txn: 'in',
  });
  t.match(exec2, { request: { params: [8] }, response: { values: [[8]] }, txn: 'in' });
});

t.test('extended: an error skips to Sync; later cycles work', async (t) => {
  const r = run([
    [
      'client',
      [
        pg.parse('', 'select 1/$1::int'),
        pg.bind('', '', ['0']),
        pg.execute(),
        pg.parse('', 'select 2'),
        pg.bind('', '', []),
        pg.execute(),
        pg.sync(),
        pg.parse('', 'selec 3'),
        pg.bind('', '', []),
        pg.execute(),
        pg.sync(),
        pg.parse('', 'select 4'),
        pg.bind('', '', []),
        pg.execute(),
        pg.sync(),
      ],
    ],
    [
      'server',
      [
        pg.parseComplete(),
        pg.bindComplete(),
        pg.errorResponse({ S: 'ERROR', C: '22012', M: 'division by zero' }),
        pg.ready('I'),
        pg.errorResponse({ S: 'ERROR', C: '42601', M: 'syntax error at or near "selec"' }),
        pg.ready('I'),
        pg.parseComplete(),
        pg.bindComplete(),
        pg.rowDescriptionTyped([['?column?', 23]]),
        pg.dataRow(['4']),
        pg.commandComplete('SELECT 1'),
        pg.ready('I'),
      ],
    ],
  ]);
  t.same(
    r.exchanges.map((x) => [x.request.sql, x.response?.error?.code ?? x.response?.text]),
    [
      ['select 1/$1::int', '22012'],
      ['selec 3', '42601'],
      ['select 4', 'SELECT 1'],
    ],
    'the skipped Execute gives no exchange; a failed Parse blames its statement',
  );
  t.equal(r.exchanges[1]!.request.kind, 'extended');
});

t.test('COPY in and out are one exchange each, with rows and bytes', async (t) => {
  const r = run([
    ['client', pg.query('copy t from stdin')],
    ['server', pg.copyInResponse(2)],
    ['client', [pg.copyData('1\ta\n'), pg.copyData('2\tb\n'), pg.copyDone()]],
    ['server', [pg.commandComplete('COPY 2'), pg.ready('I')]],
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
        pg.ready('I'),
      ],
    ],
  ]);
  t.same(
    r.exchanges.map((x) => [x.request.kind, x.response?.tag, x.response?.rows, x.response?.bytes]),
    [
      ['copy', 'COPY 2', 2, 8],
      ['copy', 'COPY 3', 3, 12],
    ],
  );
});

t.test('values of each common type, text and binary', async (t) => {
  const b = (hex: string): Buffer => Buffer.from(hex, 'hex');
  const types: Array<[string, number, string, Buffer, unknown, unknown?]> = [
    ['int2', 21, '-3', b('fffd'), -3],
    ['int4', 23, '70000', b('00011170'), 70000],
    ['int8', 20, '9007199254740993', b('0020000000000001'), '9007199254740993'],
    ['float4', 700, '1.5', b('3fc00000'), 1.5],
    ['float8', 701, 'NaN', b('7ff8000000000000'), 'NaN'],
    ['bool', 16, 't', b('01'), true],
    ['text', 25, 'héllo', Buffer.from('héllo'), 'héllo'],
    ['varchar', 1043, 'v', Buffer.from('v'), 'v'],
    ['bytea', 17, '\\x0102ff', b('0102ff'), '\\x0102ff'],
    [
      'uuid',
      2950,
      'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
      b('a0eebc999c0b4ef8bb6d6bb9bd380a11'),
      'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
    ],
    // 2024-02-29 12:34:56.789012 = 762525296789012 µs after 2000-01-01
    [
      'timestamp',
      1114,
      '2024-02-29 12:34:56.789012',
      b('0002b58341728614'),
      '2024-02-29 12:34:56.789012',
    ],
    [
      'timestamptz',
      1184,
      '2024-02-29 12:34:56.789012+00',
      b('0002b58341728614'),
      '2024-02-29 12:34:56.789012+00',
    ],
    ['date', 1082, '2024-02-29', b('00002279'), '2024-02-29'],
    // 12345.678: ndigits 3, weight 1, sign +, dscale 3, digits 1 2345 6780
    ['numeric', 1700, '12345.678', b('0003000100000003000109291a7c'), '12345.678'],
    ['json', 114, '{"a":[1,2]}', Buffer.from('{"a":[1,2]}'), { a: [1, 2] }],
    ['jsonb', 3802, '{"a": 1}', Buffer.concat([b('01'), Buffer.from('{"a": 1}')]), { a: 1 }],
    ['int4[]', 1007, '{1,2,NULL}', b('00'), [1, 2, null], '\\x00'],
  ];
  for (const format of [0, 1]) {
    const r = run([
      [
        'client',
        [pg.parse('', 'select *'), pg.bind('', '', [], [], [format]), pg.execute(), pg.sync()],
      ],
      [
        'server',
        [
          pg.parseComplete(),
          pg.bindComplete(),
          pg.rowDescriptionTyped(types.map(([n, oid]) => [n, oid, format])),
          pg.dataRow(types.map(([, , text, bin]) => (format === 0 ? text : bin))),
          pg.commandComplete('SELECT 1'),
          pg.ready('I'),
        ],
      ],
    ]);
    const got = r.exchanges[0]!.response!.values![0]!;
    types.forEach(([n, , , , want, wantBinary], i) => {
      t.same(
        got[i],
        format === 1 && wantBinary !== undefined ? wantBinary : want,
        `${n} format ${format}`,
      );
    });
    t.equal(notJson(r.exchanges), undefined, 'plain JSON');
  }
});

t.test('row cap, cut values, masked literals, incomplete at the end', async (t) => {
  const rows = Array.from({ length: 25 }, (_, i) => pg.dataRow([String(i), 'y'.repeat(50)]));
  const r = run(
    [
      ['client', pg.query("select i, repeat('y', 50) from s")],
      [
        'server',
        [
          pg.rowDescriptionTyped([
            ['i', 23],
            ['y', 25],
          ]),
          ...rows,
          pg.commandComplete('SELECT 25'),
          pg.ready('I'),
        ],
      ],
      ['client', pg.query("alter role app password 'hunter2hunter2'")],
      ['server', [pg.commandComplete('ALTER ROLE'), pg.ready('I')]],
      ['client', pg.query('select pg_sleep(100)')],
    ],
    { maxValue: 10 },
  );
  const x = r.exchanges[0]!.response!;
  t.equal(x.values!.length, 20);
  t.equal(x.rows, 25);
  t.equal(x.rowsTruncated, true);
  t.same(x.values![3], [3, 'yyyyyyyyyy…']);
  t.match(r.exchanges[1]!.request, { sql: 'alter role', truncated: true });
  const masked = run([
    ['client', pg.query("alter role app password 'hunter2hunter2'")],
    ['server', [pg.commandComplete('ALTER ROLE'), pg.ready('I')]],
    ['client', pg.query('select pg_sleep(100)')],
  ]);
  t.equal(masked.exchanges[0]!.request.sql, "alter role app password '[redacted]'");
  t.notOk(JSON.stringify(masked.exchanges).includes('hunter2'), 'no secret in exchanges');
  const dec = feedPg([
    ...pg.session([...pg.login(), ['client', pg.query('select pg_sleep(100)')]]),
    { end: 'client', t: 2000 },
    { end: 'server', t: 2001 },
  ]);
  t.match(dec.exchanges, [{ request: { text: 'select pg_sleep(100)' }, incomplete: true }]);
  t.notOk(dec.exchanges[0]!.response, 'no answer');
});
