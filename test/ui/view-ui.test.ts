// `looptap view FILE --ui`: a capture (30,000 exchanges, written by the real capture sink) opened
// read-only in the UI as a process. The newest are served from memory, older pages come from
// the file (scrolling back in a real browser), and the page says that older exchanges are only
// on disk.

/// <reference lib="dom" />
import t from 'tap';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { Hub } from '../../src/capture/hub.js';
import { openCaptureFile } from '../../src/capture/capture-file.js';
import { BIN, assertBuilt } from '../helpers/net.js';
import { openBrowser, haveChromium } from './browser.js';
import { exchange, open, get } from './helpers.js';

const N = 30_000;

t.test('view FILE --ui pages older exchanges from the file', async (t) => {
  assertBuilt();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'looptap-ui-view-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'cap.jsonl');
  const capture = await openCaptureFile(file);
  const hub = new Hub([capture]);
  hub.emit(open(1));
  for (let i = 1; i <= N; i++) hub.emit(exchange({ id: i, conn: 1 }));
  await hub.close();

  const child = spawn(process.execPath, [BIN, 'view', file, '--ui'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number>((r) => child.on('close', (c) => r(c ?? -1)));
  t.teardown(() => child.kill('SIGKILL'));
  const url = await new Promise<string>((resolve, reject) => {
    let text = '';
    child.stderr.on('data', (c: Buffer) => {
      text += c.toString();
      const m = /^ui: (\S+)$/m.exec(text);
      if (m) resolve(m[1]!);
    });
    child.once('close', () => reject(new Error(text)));
  });
  const u = new URL(url);
  const port = Number(u.port);
  const auth = { Authorization: `Bearer ${u.searchParams.get('token')}` };
  const info = JSON.parse((await get(port, '/api/info', auth)).body);
  t.equal(info.readOnly, true);
  t.equal(info.stats.total, N);
  t.equal(info.stats.inMemory, 10_000);
  const newest = JSON.parse((await get(port, '/api/exchanges?limit=5', auth)).body);
  t.same(
    newest.items.map((r: { id: number }) => r.id),
    [N - 4, N - 3, N - 2, N - 1, N],
  );
  const old = JSON.parse((await get(port, '/api/exchanges?before=101&limit=50', auth)).body);
  t.equal(old.source, 'disk');
  t.same(
    old.items.map((r: { id: number }) => r.id),
    Array.from({ length: 50 }, (_, i) => 51 + i),
  );
  const one = JSON.parse((await get(port, '/api/exchange/7', auth)).body);
  t.equal(one.exchange.request.text, 'select 7', 'one exchange from the file');

  if (haveChromium(t)) {
    const { page } = await openBrowser(t);
    await page.goto(url);
    const notice = page.getByTestId('notice');
    await notice.waitFor();
    t.match(await notice.innerText(), `${N - 10_000} older exchanges are only on disk`);
    t.match(await page.locator('header').innerText(), 'read-only');
    // scroll back: older pages come in above, past the server's memory into the file
    const box = page.getByTestId('rows');
    const first = async (): Promise<number> => Number(await box.getAttribute('data-first'));
    t.equal(await first(), N - 299, 'the newest page first');
    let prev = await first();
    for (let i = 0; i < 60 && prev > N - 10_000 - 600; i++) {
      // away and back to the top: a scroll event even when it was already there
      await box.evaluate((el) => el.scrollTo(0, 200));
      await box.evaluate((el) => el.scrollTo(0, 0));
      await page.waitForFunction(
        (p) => Number(document.querySelector('[data-testid=rows]')!.getAttribute('data-first')) < p,
        prev,
      );
      prev = await first();
    }
    t.ok(prev <= N - 10_000 - 600, `paged back to #${prev}, below the server's memory`);
    t.ok(Number(await box.getAttribute('data-count')) <= 3000, 'the page window stays bounded');
    t.match(await notice.innerText(), 'showing some read from disk');
    await page.getByTestId('latest').waitFor();
  }

  child.kill('SIGINT');
  t.equal(await exited, 0, 'Ctrl-C ends it cleanly');
});
