// The exchange store: a bounded window (count and bytes), paging by id in memory, older pages
// from a real capture file written by the capture sink, connections and frames from real hub
// events, and the filter's errors.

import t from 'tap';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Hub } from '../../src/capture/hub.js';
import { openCaptureFile } from '../../src/capture/capture-file.js';
import { ExchangeStore } from '../../src/store/exchange-store.js';
import { LEVEL } from '../../src/events.js';
import { matcherOf, filterProblem } from '../../src/ui/api.js';
import { exchange, open, close } from '../ui/helpers.js';

t.test(
  'the window keeps the newest N and says older ones are gone without a capture',
  async (t) => {
    const store = new ExchangeStore({ maxExchanges: 100 });
    for (let i = 1; i <= 1000; i++) store.observe(exchange({ id: i }));
    const s = store.stats();
    t.equal(s.total, 1000);
    t.equal(s.inMemory, 100);
    t.equal(s.oldestInMemory, 901);
    t.equal(s.evicted, 900);
    const newest = await store.page({ limit: 10 });
    t.same(
      newest.items.map((x) => x.id),
      [991, 992, 993, 994, 995, 996, 997, 998, 999, 1000],
    );
    t.equal(newest.more, true);
    const older = await store.page({ before: newest.cursor, limit: 95 });
    t.equal(older.items.length, 90, 'only what memory holds');
    t.equal(older.items[0]!.id, 901);
    t.equal(older.gone, true, 'the rest is gone: no capture file');
    t.equal(older.more, false);
    const after = await store.page({ after: 995, limit: 3 });
    t.same(
      after.items.map((x) => x.id),
      [996, 997, 998],
    );
    t.equal(after.more, true);
    t.equal(await store.get(5), undefined, 'evicted and no capture');
    t.equal((await store.get(950))!.exchange.id, 950);
  },
);

t.test('the window is bounded in bytes too', async (t) => {
  const store = new ExchangeStore({ maxExchanges: 10_000, maxBytes: 1 << 20 });
  const big = 'x'.repeat(50_000);
  for (let i = 1; i <= 200; i++) {
    store.observe(exchange({ id: 10_000 + i, request: { text: big, sql: big } }));
  }
  const s = store.stats();
  t.ok(s.inMemory < 20, `${s.inMemory} big exchanges kept under 1 MiB`);
  t.ok(s.inMemory >= 1);
  t.equal(s.newest, 10_200);
});

t.test('older pages come from the capture file, filtered, within a read budget', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'looptap-ui-store-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'cap.jsonl');
  const capture = await openCaptureFile(file);
  const store = new ExchangeStore({ maxExchanges: 500, capturePath: file });
  const hub = new Hub([capture]);
  hub.on((e) => store.observe(e));
  hub.emit(open(1));
  hub.emit(open(2));
  for (let i = 1; i <= 5000; i++) {
    hub.emit(exchange({ id: 20_000 + i, conn: i % 2 ? 1 : 2 }));
  }
  await hub.close();
  t.equal(store.stats().inMemory, 500);
  const conn2 = (x: { conn: number }): boolean => x.conn === 2;
  let page = await store.page({ limit: 300, match: conn2 });
  t.equal(page.items.length, 300, 'the 250 in memory topped up from the file');
  t.equal(page.source, 'disk');
  t.equal(page.items[299]!.id, 25_000);
  t.equal(page.items[49]!.id, 24_500, 'the file part ends right below the window');
  t.ok(page.items.every((x) => x.conn === 2));
  t.ok(
    page.items.every((x, i, a) => i === 0 || x.id > a[i - 1]!.id),
    'ascending',
  );
  t.equal(page.more, true);
  const firstOfPage1 = page.items[0]!.id;
  page = await store.page({ before: page.cursor, limit: 300, match: conn2 });
  t.equal(page.source, 'disk');
  t.equal(page.items[page.items.length - 1]!.id, firstOfPage1 - 2, 'no gap, no repeat');
  let all = page.items.length + 300;
  let guard = 0;
  while (page.more && guard++ < 100) {
    page = await store.page({ before: page.cursor, limit: 300, match: conn2 });
    all += page.items.length;
  }
  t.equal(all, 2500, 'every conn 2 exchange, once');
  const far = await store.get(20_010);
  t.equal(far?.exchange.id, 20_010, 'one exchange read back from the file');
  t.equal(far?.exchange.conn, 2);
});

t.test('connections and frames from hub events', async (t) => {
  const store = new ExchangeStore();
  store.observe(open(7, '127.0.0.1:6379'));
  store.observe({
    type: 'message',
    time: Date.now(),
    level: LEVEL.info,
    msg: 'StartupMessage',
    conn: 7,
    from: 'client',
    protocol: 'postgres',
    name: 'StartupMessage',
    fields: { summary: 'user=ada database=shop', user: 'ada', database: 'shop' },
  });
  store.observe({
    type: 'data',
    time: Date.now(),
    level: LEVEL.debug,
    msg: 'data',
    conn: 7,
    from: 'client',
    seq: 0,
    offset: 0,
    len: 5,
    bytes: Buffer.from('hello'),
  });
  store.observe(exchange({ id: 40_000, conn: 7 }));
  store.observe(close(7));
  const row = store.connections.get(7)!;
  t.equal(row.user, 'ada');
  t.equal(row.database, 'shop');
  t.equal(row.exchanges, 1);
  t.equal(row.closed !== undefined, true);
  t.same(row.bytes, { client: 10, server: 20 }, 'the close event has the final counts');
  const s = (await store.get(40_000))!;
  t.equal(s.frames.frames.length, 1);
  t.equal(s.frames.frames[0]!.name, 'StartupMessage');
  t.equal(s.frames.bytes.client.toString(), 'hello');
});

t.test('the connections table is bounded, closed ones leave first', async (t) => {
  const store = new ExchangeStore({ maxConnections: 10 });
  store.observe(open(1));
  for (let c = 2; c <= 30; c++) {
    store.observe(open(c));
    store.observe(close(c));
  }
  t.equal(store.connections.size, 10);
  t.ok(store.connections.get(1), 'the open one stays');
  t.equal(store.connections.get(2), undefined);
});

t.test(
  'filters: fingerprint and conn click-throughs; a bad expression names its column',
  async (t) => {
    const url = new URL('http://x/api/exchanges?fp=fpB&conn=3');
    const m = matcherOf(url);
    t.equal(m(exchange({ id: 50_001, fingerprintId: 'fpB', conn: 3 })), true);
    t.equal(m(exchange({ id: 50_002, fingerprintId: 'fpA', conn: 3 })), false);
    t.equal(m(exchange({ id: 50_003, fingerprintId: 'fpB', conn: 4 })), false);
    let problem: Record<string, unknown> | undefined;
    try {
      matcherOf(new URL('http://x/api/exchanges?filter=' + encodeURIComponent('latency>>')));
    } catch (err) {
      problem = filterProblem(err);
    }
    t.ok(problem, 'a FilterError');
    t.type(problem?.column, 'number');
  },
);
