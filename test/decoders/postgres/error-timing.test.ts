// An error is reported at its ErrorResponse, not at the ReadyForQuery after it. PostgreSQL flushes
// an ErrorResponse on its own and node-pg rejects the query on it, so a test that reads the log
// right after the rejection must already find the error (test/api/postgres.test.ts raced on this
// in CI). Each session here ends before the ReadyForQuery, as the log looks at that moment.

// tap waits for a subtest by its returned promise: synchronous bodies are async on purpose
import t from 'tap';
import { feedPg } from '../../helpers/pg-feed.js';
import * as pg from '../../helpers/pg-frames.js';

const run = (steps: Parameters<typeof pg.session>[0]) =>
  feedPg(pg.session([...pg.login(), ...steps]));
const division = () =>
  pg.errorResponse({ S: 'ERROR', V: 'ERROR', C: '22012', M: 'division by zero' });
const shape = (xs: ReturnType<typeof run>['exchanges']) =>
  xs.map((x) => [x.request.text, x.response?.text, x.txn]);

t.test('a simple query outside a block: idle, before ReadyForQuery', async (t) => {
  const r = run([
    ['client', pg.query('select 1/0')],
    ['server', division()],
  ]);
  t.same(shape(r.exchanges), [['select 1/0', 'ERROR 22012 division by zero', 'idle']]);
});

t.test('inside a block: failed; a BEGIN in the same query string counts', async (t) => {
  const r = run([
    ['client', pg.query('begin')],
    ['server', [pg.commandComplete('BEGIN'), pg.ready('T')]],
    ['client', pg.query('select 1/0')],
    ['server', division()],
  ]);
  t.same(shape(r.exchanges).at(-1), ['select 1/0', 'ERROR 22012 division by zero', 'failed']);
  const same = run([
    ['client', pg.query('begin; select 1/0')],
    ['server', [pg.commandComplete('BEGIN'), division()]],
  ]);
  t.same(shape(same.exchanges), [
    ['begin; select 1/0', 'BEGIN; ERROR 22012 division by zero', 'failed'],
  ]);
});

t.test(
  'extended: the failed Execute and the one before it in its Sync go out at the error',
  async (t) => {
    const r = run([
      [
        'client',
        [
          pg.parse('', 'select 1'),
          pg.bind('', '', []),
          pg.execute(),
          pg.parse('', 'select 1/0'),
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
          pg.dataRow(['1']),
          pg.commandComplete('SELECT 1'),
          pg.parseComplete(),
          pg.bindComplete(),
          division(),
        ],
      ],
    ]);
    t.same(shape(r.exchanges), [
      ['select 1', 'SELECT 1', 'idle'],
      ['select 1/0', 'ERROR 22012 division by zero', 'idle'],
    ]);
    const r2 = run([
      ['client', [pg.parse('', 'select 1/0'), pg.bind('', '', []), pg.execute(), pg.sync()]],
      ['server', [pg.parseComplete(), pg.bindComplete(), division()]],
      ['server', pg.ready('I')],
    ]);
    t.equal(r2.exchanges.length, 1, 'the ReadyForQuery after it reports nothing twice');
  },
);
