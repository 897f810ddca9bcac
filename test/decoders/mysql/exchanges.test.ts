// Exchanges from the MySQL decoder: the real MariaDB sessions of the shared wire sample
// (select 1, ERR 1054, a compressed session, mysql2 prepare/execute with a binary row) at every
// split point, and synthetic vectors for multi-result answers, --max-rows, a connection that
// ends before the answer, statement close, txn flags and sqlcommenter comments.

import t from 'tap';
import type { Step } from '../../helpers/feed.js';
import { everySplit } from '../../helpers/feed.js';
import { feedExchanges, mysqlSessions, timeless } from '../../helpers/mysql-feed.js';
import {
  command,
  convo,
  greeting,
  lenenc,
  login,
  ok,
  packet,
  resultSet,
  u32,
} from '../../helpers/mysql-frames.js';

const conns = mysqlSessions();

const ended = (steps: Step[]): Step[] => [...steps, { end: 'server', t: 9e12 }];

const EXPECTED: Record<number, unknown[]> = {
  1: [
    {
      request: { text: 'select 1', kind: 'query', sql: 'select 1' },
      response: { tag: 'ResultSet', rows: 1, columns: ['1'], values: [[1]] },
      txn: 'idle',
    },
  ],
  2: [
    {
      request: { sql: 'select nosuch' },
      response: {
        tag: 'ERR',
        text: "ERROR 1054 (42S22): Unknown column 'nosuch' in 'SELECT'",
        error: { code: '1054', sqlState: '42S22', message: "Unknown column 'nosuch' in 'SELECT'" },
      },
      level: 40,
    },
  ],
  3: [
    {
      request: { sql: "select repeat('a', 200) as r" },
      response: { tag: 'ResultSet', rows: 1, columns: ['r'], values: [['a'.repeat(200)]] },
    },
  ],
  4: [
    {
      request: { kind: 'prepare', sql: 'select ? + 1 as x, ? as s' },
      response: { tag: 'PREPARE_OK', columns: ['x', 's'] },
    },
    {
      request: {
        kind: 'execute',
        sql: 'select ? + 1 as x, ? as s',
        params: [41, 'hey'],
        statement: 1,
      },
      response: { tag: 'ResultSet', rows: 1, columns: ['x', 's'], values: [[42, 'hey']] },
    },
  ],
};

t.test('wire sample: the same exchanges at every split point', (t) => {
  for (const [id, chunks] of conns) {
    const steps = ended(chunks);
    const ref = feedExchanges(steps);
    t.notOk(ref.threw, `conn ${id}: no decoder bug`);
    t.notOk(ref.fallback, `conn ${id}: no fallback`);
    if (EXPECTED[id]) t.match(ref.exchanges, EXPECTED[id], `conn ${id}: expected exchanges`);
    t.ok(ref.exchanges.every((x) => x.latencyMs !== undefined && x.latencyMs >= 0));
    const want = JSON.stringify(timeless(ref.exchanges));
    let bad = 0;
    const splits = everySplit(steps, 10);
    for (const [name, split] of splits) {
      const r = feedExchanges(steps, split);
      if (JSON.stringify(timeless(r.exchanges)) !== want && bad++ < 3) {
        t.fail(`conn ${id}: ${name} differs`);
      }
    }
    t.equal(bad, 0, `conn ${id}: ${splits.length} chunkings agree`);
  }
  t.end();
});

const session = (...rest: ['client' | 'server', Buffer][]): Step[] =>
  convo(['server', greeting()], ['client', login()], ['server', ok(2)], ...rest);

t.test('multi-result COM_QUERY: one exchange, its results listed', (t) => {
  const MORE = 0x0008 | 0x0002;
  const r = feedExchanges(
    session(
      ['client', command(0x03, 'select 1 as a; select 2 as b; update t set x = 1')],
      [
        'server',
        Buffer.concat([
          resultSet(['a'], [['1']], { status: MORE }),
          resultSet(['b'], [['2'], ['3']], { status: MORE, seq: 6 }),
          ok(12, { affected: 4, status: 0x0003 }),
        ]),
      ],
    ),
  );
  t.equal(r.exchanges.length, 1);
  t.match(r.exchanges[0], {
    request: { kind: 'query' },
    response: {
      tag: 'ResultSet',
      text: '3 results: 1 row; 2 rows; OK, 4 rows affected',
      columns: ['a'],
      values: [['1']],
      rows: 7,
    },
    txn: 'in',
  });
  t.end();
});

t.test('only the first maxRows rows keep values', (t) => {
  const rows = Array.from({ length: 9 }, (_, i) => [`v${i}`]);
  const r = feedExchanges(
    session(['client', command(0x03, 'select v from t')], ['server', resultSet(['v'], rows)]),
    undefined,
    { maxRows: 3 },
  );
  t.match(r.exchanges[0]?.response, {
    rows: 9,
    values: [['v0'], ['v1'], ['v2']],
    rowsTruncated: true,
  });
  t.end();
});

t.test('an answer that never came: incomplete; COM_STMT_CLOSE: no answer, complete', (t) => {
  const close = packet(0, Buffer.concat([Buffer.from([0x19]), u32(7)]));
  const r = feedExchanges(
    ended(
      session(
        ['client', close],
        ['client', command(0x03, "select sleep(10) /*route='/users',traceparent='00-ab'*/")],
      ),
    ),
  );
  t.match(r.exchanges, [
    { request: { kind: 'close', statement: 7, text: 'close statement 7' } },
    {
      request: {
        kind: 'query',
        sql: 'select sleep(10)',
        comment: { route: '/users', traceparent: '00-ab' },
      },
      incomplete: true,
    },
  ]);
  t.notOk(r.exchanges[0]!.incomplete);
  t.notOk(r.exchanges[0]!.response);
  t.notOk(r.exchanges[1]!.response);
  t.end();
});

t.test('COM_PING, COM_INIT_DB and an OK: tag, rows affected, txn idle', (t) => {
  const r = feedExchanges(
    session(
      ['client', command(0x0e, '')],
      ['server', ok(1)],
      ['client', command(0x02, 'app')],
      ['server', ok(1)],
      ['client', command(0x03, 'delete from t')],
      ['server', ok(1, { affected: 3 })],
    ),
  );
  t.match(r.exchanges, [
    { request: { text: 'COM_PING', kind: 'command' }, response: { tag: 'OK' }, txn: 'idle' },
    { request: { text: 'COM_INIT_DB use app' }, response: { tag: 'OK' } },
    { response: { tag: 'OK', rows: 3, text: 'OK, 3 rows affected' } },
  ]);
  t.end();
});

t.test('binary rows: the NULL bitmap and every width', (t) => {
  // prepare answer with 0 params and 3 columns (TINY unsigned, LONGLONG, DOUBLE), then execute
  const col = (seq: number, name: string, type: number, flags: number): Buffer =>
    packet(
      seq,
      Buffer.concat([
        ...['def', 'app', 't', 't', name, name].map((s) =>
          Buffer.concat([lenenc(s.length), Buffer.from(s)]),
        ),
        Buffer.from([0x0c, 63, 0, 0, 0, 0, 0, type, flags & 0xff, flags >> 8, 0, 0, 0]),
      ]),
    );
  const prepOk = packet(1, Buffer.from([0x00, 1, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0]));
  const defs = Buffer.concat([col(2, 'a', 0x01, 0x20), col(3, 'b', 0x08, 0), col(4, 'c', 0x05, 0)]);
  const exec = packet(0, Buffer.concat([Buffer.from([0x17]), u32(1), Buffer.from([0]), u32(1)]));
  const row = (seq: number, nulls: number, values: Buffer): Buffer =>
    packet(seq, Buffer.concat([Buffer.from([0x00, nulls]), values]));
  const dbl = Buffer.alloc(8);
  dbl.writeDoubleLE(-0.125);
  const big = Buffer.alloc(8);
  big.writeBigInt64LE(-(2n ** 62n));
  const answer = Buffer.concat([
    packet(1, lenenc(3)),
    col(2, 'a', 0x01, 0x20),
    col(3, 'b', 0x08, 0),
    col(4, 'c', 0x05, 0),
    packet(5, Buffer.from([0xfe, 0, 0, 2, 0])),
    row(6, 0, Buffer.concat([Buffer.from([250]), big, dbl])),
    row(7, 0b11000, Buffer.from([7])), // b and c NULL (bits 1+2, 2+2)
    packet(8, Buffer.from([0xfe, 0, 0, 2, 0])),
  ]);
  const r = feedExchanges(
    session(
      ['client', command(0x16, 'select a, b, c from t')],
      ['server', Buffer.concat([prepOk, defs, packet(5, Buffer.from([0xfe, 0, 0, 2, 0]))])],
      ['client', exec],
      ['server', answer],
    ),
  );
  t.strictSame(r.exchanges[1]?.response?.values, [
    [250, String(-(2n ** 62n)), -0.125],
    [7, null, null],
  ]);
  t.end();
});
