// view --grep shows pairs: a match on either side of a request and its answer shows both.
import t from 'tap';
import { GrepPairs } from '../../src/view/grep.js';
import type { CaptureEvent, MessageEvent } from '../../src/events.js';
import { ex, closeEvent } from '../helpers/exchanges.js';

const m = (
  conn: number,
  from: 'client' | 'server',
  name: string,
  summary: string,
): MessageEvent => ({
  type: 'message',
  time: 1,
  level: 30,
  msg: name,
  conn,
  from,
  protocol: 'postgres',
  name,
  fields: { summary },
});
const names = (es: CaptureEvent[]) =>
  es.map((e) =>
    e.type === 'message' ? `${e.conn}${e.from[0]}:${e.fields.summary as string}` : e.type,
  );

t.test(
  'frames: a match in the answer brings the request; a match in the request brings the answer',
  async (t) => {
    const g = new GrepPairs('division');
    const seen: CaptureEvent[] = [];
    const feed = (e: CaptureEvent) => seen.push(...g.push(e));
    feed(m(1, 'client', 'Query', 'select 1'));
    feed(m(1, 'server', 'CommandComplete', 'SELECT 1'));
    feed(m(1, 'client', 'Parse', 'select 1/0'));
    feed(m(1, 'client', 'Bind', ''));
    feed(m(2, 'client', 'Query', 'select 2'));
    feed(m(1, 'server', 'ErrorResponse', '22012 division by zero'));
    feed(m(1, 'server', 'ReadyForQuery', 'idle'));
    feed(m(1, 'client', 'Query', 'select 3'));
    feed(m(1, 'server', 'CommandComplete', 'SELECT 1'));
    t.same(names(seen), ['1c:select 1/0', '1c:', '1s:22012 division by zero', '1s:idle']);

    const h = new GrepPairs('users');
    const out: CaptureEvent[] = [];
    for (const e of [
      m(3, 'client', 'Query', 'select * from users'),
      m(3, 'server', 'RowDescription', 'id'),
      m(3, 'server', 'CommandComplete', 'SELECT 2'),
      m(3, 'client', 'Query', 'select 9'),
      m(3, 'server', 'CommandComplete', 'SELECT 1'),
      closeEvent(3),
    ])
      out.push(...h.push(e));
    t.same(names(out), ['3c:select * from users', '3s:id', '3s:SELECT 2']);
  },
);

t.test('exchanges: request or answer', async (t) => {
  const g = new GrepPairs('serialize');
  const hit = ex({
    request: { text: 'update t set a = 1' },
    response: {
      text: 'ERROR 40001',
      error: { code: '40001', message: 'could not serialize access' },
    },
  });
  t.same(g.push(hit), [hit], 'a match in the error message');
  t.same(g.push(ex({ request: { text: 'select 1' } })), []);
  const k = new GrepPairs('user:42');
  const r = ex({
    protocol: 'redis',
    request: { text: 'GET user:42', command: ['GET', 'user:42'] },
    response: { text: '(nil)' },
  });
  t.same(k.push(r), [r]);
});
