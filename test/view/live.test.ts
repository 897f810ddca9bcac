// The live sink under load (docs/exchanges.md, "Under load"): at most a screenful of exchange
// lines per window, then one digest line for the rest; errors still shown; N+1 lines as runs end.
// A real StreamSink on a real stream, with a clock the test moves.
import t from 'tap';
import { PassThrough } from 'node:stream';
import { StreamSink } from '../../src/view/stream-sink.js';
import { parseFilter } from '../../src/filter/index.js';
import { fingerprintOf, fingerprintReady } from '../../src/digest/fingerprint.js';
import { ex, closeEvent } from '../helpers/exchanges.js';
import type { ExchangeEvent } from '../../src/events.js';

t.before(fingerprintReady);

function sink(budget: number, filter?: string) {
  const out = new PassThrough();
  let text = '';
  out.setEncoding('utf8').on('data', (c: string) => (text += c));
  let now = 1_000_000;
  const s = new StreamSink(
    out,
    'human',
    {
      color: false,
      preview: 16,
      showData: false,
      width: 150,
      ...(filter ? { filter: parseFilter(filter) } : {}),
    },
    { budget, now: () => now },
  );
  return {
    s,
    lines: () => text.split('\n').filter((l) => l !== ''),
    advance: (ms: number) => (now += ms),
  };
}

const q = (conn: number, sql: string, o: Partial<Parameters<typeof ex>[0]> = {}): ExchangeEvent => {
  const e = ex({
    conn,
    latencyMs: 2,
    request: { text: sql, sql },
    response: { text: 'SELECT 1' },
    ...o,
  });
  const fp = fingerprintOf('postgres', e.request);
  e.fingerprint = fp.fingerprint;
  e.fingerprintId = fp.fingerprintId;
  return e;
};

t.test('past the budget: counted, then one digest line per window', async (t) => {
  const { s, lines, advance } = sink(10);
  for (let i = 0; i < 500; i++)
    s.write(q(1 + (i % 7), i % 3 ? `select * from a where id = ${i}` : `update b set x = ${i}`));
  s.write(
    q(2, 'select boom', {
      response: { text: 'ERROR 40001', error: { code: '40001', message: 'x' } },
    }),
  );
  t.equal(lines().length, 11, 'ten exchange lines and the error, nothing else yet');
  t.match(lines()[10], /select boom -> ERROR 40001/, 'an error past the budget is still shown');
  advance(2500);
  s.write(q(1, 'select 1'));
  const all = lines();
  t.match(
    all[11],
    /^\d\d:\d\d:\d\d\.\d{3} … 490 more exchanges in 2\.5 s \(196\/s\), 0 errors; by time: 67% select \* from a where id = \$1 \(327 x, 654\.0 ms\), 33% update b set x = \$1 \(163 x, 326\.0 ms\)$/,
  );
  t.match(all[12], /#1 pg {2}select 1 -> SELECT 1/, 'a new window prints lines again');
  await s.close();
  t.equal(lines().length, 13, 'nothing hidden in the last window: no digest line at close');
});

t.test(
  'a quiet window after a busy one: the digest line comes at close (or on the timer)',
  async (t) => {
    const { s, lines } = sink(3);
    for (let i = 0; i < 10; i++) s.write(q(1, `select ${i}`));
    t.equal(lines().length, 3);
    await s.close();
    t.match(lines()[3], /… 7 more exchanges in/);
  },
);

t.test('N+1: a line when the run ends', async (t) => {
  const { s, lines } = sink(0);
  for (let i = 0; i < 6; i++) s.write(q(3, `select * from users where id = ${i}`));
  t.equal(lines().length, 6);
  s.write(q(3, 'select 1'));
  t.match(lines()[6], /#3 pg {2}select 1/);
  t.match(
    lines()[7],
    /^\d\d:\d\d:\d\d\.\d{3} N\+1: 6 x select \* from users where id = \$1 on #3 \(exchanges #\d+-#\d+\)$/,
  );
  for (let i = 0; i < 5; i++) s.write(q(4, `select * from items where id = ${i}`));
  s.write(closeEvent(4));
  t.match(
    lines().at(-2),
    /N\+1: 5 x select \* from items where id = \$1 on #4/,
    'a close ends a run',
  );
  t.match(lines().at(-1), /#4 close/);
});

t.test('--filter applies live, to N+1 runs too', async (t) => {
  const { s, lines } = sink(0, 'sql~users');
  for (let i = 0; i < 6; i++) {
    s.write(q(3, `select * from users where id = ${i}`));
    s.write(q(3, `select * from other where id = ${i}`));
  }
  t.equal(lines().length, 6, 'only the matching exchanges');
  s.write(closeEvent(3));
  t.match(
    lines().at(-1),
    /N\+1: 6 x select \* from users/,
    'the run of matching exchanges, unbroken by the others',
  );
});

t.test('--json with --filter: matching exchanges only', async (t) => {
  const out = new PassThrough();
  let text = '';
  out.setEncoding('utf8').on('data', (c: string) => (text += c));
  const s = new StreamSink(out, 'json', {
    color: false,
    preview: 0,
    showData: false,
    width: 100,
    filter: parseFilter('conn:2'),
  });
  s.write(q(1, 'select 1'));
  s.write(q(2, 'select 2'));
  s.write(closeEvent(2));
  s.write({ type: 'error', time: 1, level: 50, msg: 'x', code: 'X', message: 'boom' });
  const got = text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { type: string; conn?: number });
  t.same(
    got.map((g) => `${g.type}${g.conn ?? ''}`),
    ['exchange2', 'error'],
  );
});

t.test('an exchange hidden by the budget still hides its protocol frames', async (t) => {
  const { s, lines } = sink(2);
  const redis = (i: number): ExchangeEvent =>
    ex({ conn: 1, protocol: 'redis', request: { text: `GET k${i}` }, response: { text: '"v"' } });
  for (let i = 0; i < 5; i++) s.write(redis(i));
  t.equal(lines().length, 2, 'a screenful of two lines');
  // the first PostgreSQL exchange of the run comes while the window is full
  s.write(q(2, 'select 1'));
  s.write({
    type: 'message',
    time: 1_000_000,
    level: 30,
    msg: 'Query select 2',
    conn: 2,
    from: 'client',
    protocol: 'postgres',
    name: 'Query',
    fields: { summary: 'select 2', sql: 'select 2' },
  });
  t.equal(lines().length, 2, 'no frame line for a protocol that has exchanges');
  await s.close();
  t.match(lines()[2], /… 4 more exchanges in/, 'the hidden PostgreSQL exchange is counted');
});
