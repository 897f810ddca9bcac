import t from 'tap';
import { ConversationLog } from '../../src/api/conversation-log.js';
import { exchange, opens } from '../helpers/capture-files.js';

t.test('keeps exchanges in order, by id, and since an id', async (t) => {
  const log = new ConversationLog();
  for (const e of opens(2)) log.add(e);
  const a = exchange({ conn: 1, text: 'select 1' });
  const b = exchange({ conn: 2, text: 'select 2', error: '42P01' });
  log.add(a);
  log.add(b);
  t.same(
    log.exchanges().map((x) => x.id),
    [a.id, b.id],
  );
  t.equal(log.get(b.id), b);
  t.same(
    log.since(a.id).map((x) => x.id),
    [b.id],
  );
  t.equal(log.lastId, b.id);
  const c2 = log.connections().find((c) => c.conn === 2)!;
  t.equal(c2.exchanges, 1);
  t.equal(c2.errors, 1);
  t.equal(c2.client, '127.0.0.1:50000');
  log.reset();
  t.equal(log.size, 0);
  t.same(log.connections(), []);
});

t.test('is bounded: the oldest go first and are counted', async (t) => {
  const log = new ConversationLog(3);
  const xs = [1, 2, 3, 4, 5].map((i) => exchange({ text: `select ${i}` }));
  for (const x of xs) log.add(x);
  t.equal(log.size, 3);
  t.equal(log.dropped, 2);
  t.equal(log.get(xs[0]!.id), undefined);
  t.same(
    log.exchanges().map((x) => x.request.text),
    ['select 3', 'select 4', 'select 5'],
  );
});

t.test('a filter string is parsed once and applied', async (t) => {
  const log = new ConversationLog();
  log.add(exchange({ text: 'select 1', protocol: 'postgres' }));
  log.add(exchange({ text: 'GET k', protocol: 'redis', answer: '(nil)' }));
  t.equal(log.exchanges('').length, 2);
  t.same(
    log.exchanges('protocol:redis').map((x) => x.request.text),
    ['GET k'],
  );
  t.throws(() => log.exchanges('protocol:'), { name: 'Error' });
});

t.test('the connection table is bounded too: the oldest connections go first', async (t) => {
  const log = new ConversationLog(3);
  for (const e of opens(5)) log.add(e);
  t.same(
    log.connections().map((c) => c.conn),
    [3, 4, 5],
  );
});
