/// <reference lib="dom" />
// 200,000 exchanges streamed into an open page: the page keeps answering while they arrive, the
// table stays virtualised (a few dozen row elements), the page's window stays bounded (3,000
// rows) and its JS heap, measured after a forced GC through the DevTools protocol, stays under
// HEAP_BOUND (docs/ui.md, "Scale"). The server keeps its own bounded window (10,000).

import t from 'tap';
import { Hub } from '../../src/capture/hub.js';
import { startUi } from '../../src/ui/server.js';
import { openBrowser, haveChromium } from './browser.js';
import { exchange, open } from './helpers.js';

const TOTAL = 200_000;
const CHUNK = 2_000;
/** bytes: measured 2.4 MiB after 200,000 (1.5 MiB before any); the bound is a few times that */
const HEAP_BOUND = 16 << 20;
/** ms: the longest the page may take to answer a probe while the stream pours in */
const PROBE_BOUND = 5_000;

t.test('200,000 exchanges do not freeze the page or grow its heap', async (t) => {
  if (!haveChromium(t)) return;
  const hub = new Hub();
  const ui = await startUi({ hub });
  t.teardown(() => ui.close());
  const { page, context } = await openBrowser(t);
  hub.emit(open(1));
  await page.goto(ui.url);
  await page.locator('.row.head').waitFor();
  const cdp = await context.newCDPSession(page);
  const heap = async (): Promise<number> => {
    await cdp.send('HeapProfiler.collectGarbage');
    const { usedSize } = await cdp.send('Runtime.getHeapUsage');
    return usedSize;
  };
  const before = await heap();
  await page.evaluate(() => {
    const w = window as unknown as { maxLongTask: number };
    w.maxLongTask = 0;
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.maxLongTask = Math.max(w.maxLongTask, e.duration);
    }).observe({ type: 'longtask', buffered: true });
  });

  let slowest = 0;
  const started = Date.now();
  for (let id = 1; id <= TOTAL; id += CHUNK) {
    for (let i = id; i < id + CHUNK && i <= TOTAL; i++) {
      hub.emit(exchange({ id: i, conn: 1, start: started + i }));
    }
    await new Promise((r) => setImmediate(r));
    if ((id - 1) % 20_000 === 0) {
      const t0 = Date.now();
      await page.evaluate(() => document.querySelectorAll('.row.x').length);
      slowest = Math.max(slowest, Date.now() - t0);
    }
  }
  const emitMs = Date.now() - started;
  await page
    .getByTestId('stats')
    .filter({ hasText: `${TOTAL} exchanges` })
    .waitFor();
  await page.locator('.row.x', { hasText: `select ${TOTAL}` }).waitFor();
  const domRows = await page.locator('.row.x').count();
  const windowRows = await page.evaluate(
    () => parseFloat((document.querySelector('.spacer') as HTMLElement).style.height) / 24,
  );
  const after = await heap();
  const maxLongTask = await page.evaluate(
    () => (window as unknown as { maxLongTask: number }).maxLongTask,
  );
  const mb = (n: number): string => `${(n / (1 << 20)).toFixed(1)} MiB`;
  t.comment(
    `emitted ${TOTAL} in ${emitMs} ms; heap ${mb(before)} -> ${mb(after)}; ` +
      `${domRows} row elements, ${windowRows} rows in the window; slowest probe ${slowest} ms; ` +
      `longest task ${maxLongTask.toFixed(0)} ms; server keeps ${ui.store.stats().inMemory}`,
  );
  t.ok(domRows < 150, `virtualised: ${domRows} row elements`);
  t.ok(windowRows <= 3000, `bounded window: ${windowRows} rows`);
  t.ok(after < HEAP_BOUND, `heap after GC ${mb(after)} < ${mb(HEAP_BOUND)}`);
  t.ok(slowest < PROBE_BOUND, `the page answered every probe within ${slowest} ms`);
  t.equal(ui.store.stats().inMemory, 10_000, 'the server window is bounded too');
});
