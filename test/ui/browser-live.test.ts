// The page in a real browser: exchanges appear live as they are emitted into the hub, the
// filter bar applies the shared language on the server (errors inline), a click opens the
// detail with its result rows, copy-as gives a command that runs against a real redis-server,
// and the screenshot in docs/ comes from here (LOOPTAP_SCREENSHOT=1 writes docs/ui.png).

import t from 'tap';
import { execFileSync } from 'node:child_process';
import { Hub } from '../../src/capture/hub.js';
import { startUi } from '../../src/ui/server.js';
import { parseFilter } from '../../src/filter/index.js';
import { LEVEL } from '../../src/events.js';
import { openBrowser, haveChromium } from './browser.js';
import { exchange, open } from './helpers.js';
import { need, startRedis } from '../helpers/real-servers.js';

const filterReady = ((): boolean => {
  try {
    parseFilter('conn:2');
    return true;
  } catch {
    return false;
  }
})();

t.test('live table, filter, detail, copy-as, screenshot', async (t) => {
  if (!haveChromium(t)) return;
  const hub = new Hub();
  const ui = await startUi({ hub });
  t.teardown(() => ui.close());
  const { page } = await openBrowser(t);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    // the filter bar's bad expression is a 400 by design
    if (m.type() === 'error' && !/status of 400/.test(m.text())) errors.push(m.text());
  });

  hub.emit(open(1));
  hub.emit(open(2, '127.0.0.1:6379'));
  hub.emit(
    exchange({
      id: 1,
      conn: 1,
      request: {
        text: 'select id, name from users where id = $1',
        sql: 'select id, name from users where id = $1',
        kind: 'extended',
        params: [42],
      },
      response: {
        text: 'SELECT 2',
        tag: 'SELECT 2',
        rows: 2,
        columns: ['id', 'name'],
        values: [
          [42, 'ada'],
          [43, 'grace'],
        ],
      },
      latencyMs: 1.25,
    }),
  );
  await page.goto(ui.url);
  t.equal(new URL(page.url()).search, '', 'the token left the address bar');
  const rows = page.locator('.row.x');
  await rows.first().waitFor();
  t.match(await rows.first().innerText(), /select id, name from users/);

  // live: emitted after the page loaded
  hub.emit(
    exchange({
      id: 2,
      conn: 2,
      protocol: 'redis',
      request: { text: 'GET user:1', command: ['GET', 'user:1'] },
      response: { text: '"ada"', reply: '"ada"' },
    }),
  );
  await page.locator('.row.x', { hasText: 'GET user:1' }).waitFor();
  t.equal(await rows.count(), 2, 'the live exchange is in the table');
  await page.getByTestId('stats').filter({ hasText: '2 exchanges' }).waitFor();

  const conns = page.getByTestId('connections');
  await conns.locator('tr', { hasText: '127.0.0.1:6379' }).waitFor();
  t.match(await conns.innerText(), /#1\s+\S+\s+127\.0\.0\.1:50000 → 127\.0\.0\.1:5432\s+open/);

  // the filter bar
  const input = page.getByTestId('filter');
  if (filterReady) {
    await input.fill('conn:2');
    await input.press('Enter');
    await page.locator('.row.x', { hasText: 'select id' }).waitFor({ state: 'detached' });
    t.equal(await rows.count(), 1, 'the filter narrowed the table');
    await input.fill('');
    await input.press('Enter');
    await page.locator('.row.x', { hasText: 'select id' }).waitFor();
  } else {
    t.comment('SKIPPED: narrowing needs the filter language (issue 10), a stub on this branch');
  }
  await input.fill('latency>>');
  await input.press('Enter');
  const err = page.getByTestId('filter-error');
  await err.waitFor();
  t.match(await err.innerText(), /column \d+/, 'the parse error is inline, with its column');
  t.match(await err.innerText(), /\^/, 'and a caret');
  await input.fill('');
  await input.press('Enter');
  await err.waitFor({ state: 'detached' });

  // the detail pane
  await page.locator('.row.x', { hasText: 'select id' }).click();
  const detail = page.getByTestId('detail');
  await detail.waitFor();
  t.match(await page.getByTestId('request').innerText(), 'where id = $1');
  t.match(await page.getByTestId('params').innerText(), /\$1\s+42/);
  const result = page.getByTestId('result-rows');
  t.match(await result.innerText(), /id\s+name\s+42\s+ada\s+43\s+grace/);

  if (!process.env.LOOPTAP_SCREENSHOT) t.comment('LOOPTAP_SCREENSHOT=1 writes docs/ui.png');
  else await page.screenshot({ path: new URL('../../docs/ui.png', import.meta.url).pathname });
  t.same(errors, [], 'no script errors (a CSP violation would be one)');
});

t.test('copy as redis-cli, from the page, runs', async (t) => {
  if (!haveChromium(t)) return;
  if (!need(t, '/usr/bin/redis-server', 'redis-server')) return;
  const redis = await startRedis(t);
  const hub = new Hub();
  const ui = await startUi({ hub });
  t.teardown(() => ui.close());
  const hostile = `it's "quoted" $(touch /tmp/pwned) \`id\` \\ ; | & \n newline ☃`;
  hub.emit(open(9, `127.0.0.1:${redis.port}`));
  hub.emit(
    exchange({
      id: 100,
      conn: 9,
      protocol: 'redis',
      request: { text: 'SET k …', command: ['SET', 'looptap:copy', hostile] },
      response: { text: 'OK', reply: 'OK' },
      level: LEVEL.info,
    }),
  );
  const { page } = await openBrowser(t);
  await page.goto(ui.url);
  await page.locator('.row.x').first().click();
  const box = page.getByTestId('copy-redis-cli');
  await box.waitFor();
  const command = await box.inputValue();
  t.match(command, /^redis-cli -h 127\.0\.0\.1 -p \d+ SET looptap:copy '/);
  execFileSync('/bin/sh', ['-c', command], { stdio: 'pipe' });
  const back = execFileSync('/usr/bin/redis-cli', [
    '-p',
    String(redis.port),
    '--raw',
    'GET',
    'looptap:copy',
  ]).toString();
  t.equal(back, hostile + '\n', 'the value arrived exactly, nothing ran');
});
