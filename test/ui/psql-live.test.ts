// End to end: `looptap --target PG --ui --capture FILE` as a process, psql through it, the page
// in a real browser shows the query live, its detail holds the result rows, and the copy-as
// psql command from the page runs against the server. LOOPTAP_SCREENSHOT=1 writes docs/ui.png
// from this session.

import t from 'tap';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startPgServer } from '../helpers/pg-server.js';
import { need } from '../helpers/real-servers.js';
import { spawnLooptap, assertBuilt } from '../helpers/net.js';
import { openBrowser, haveChromium } from './browser.js';

const sh = promisify(execFile);

/** the `ui: URL` line on looptap's stderr, as soon as it is printed */
function uiLine(child: import('node:child_process').ChildProcess, seen: string[]): Promise<string> {
  const found = seen.find((l) => l.startsWith('ui: '));
  if (found) return Promise.resolve(found.slice(4));
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (c: Buffer): void => {
      text += c.toString();
      const m = /^ui: (\S+)$/m.exec(text);
      if (m) {
        child.stderr!.off('data', onData);
        resolve(m[1]!);
      }
    };
    child.stderr!.on('data', onData);
    child.once('close', () => reject(new Error(`looptap exited: ${seen.join('\n')}`)));
  });
}

t.test('psql through looptap, seen live in the browser', async (t) => {
  if (!haveChromium(t)) return;
  assertBuilt();
  if (!need(t, '/usr/bin/psql', 'postgresql-client')) return;
  const pg = await startPgServer(t, 'scram-sha-256', 'secret-pw');
  if (!pg) return;
  t.teardown(() => pg.stop());
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'looptap-ui-e2e-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const lt = await spawnLooptap(t, [
    '--target',
    `127.0.0.1:${pg.port}`,
    '--ui',
    '--capture',
    path.join(dir, 'cap.jsonl'),
    '--quiet',
  ]);
  const url = await uiLine(lt.child, lt.stderr);
  t.match(url, /^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{40,}$/, 'the ui: line');
  const { page } = await openBrowser(t);
  await page.goto(url);
  await page.locator('.row.head').waitFor();

  const env = { ...process.env, PGPASSWORD: pg.password };
  const conninfo = `host=127.0.0.1 port=${lt.port} user=${pg.user} dbname=postgres sslmode=disable`;
  const psql = (sql: string) => sh('/usr/bin/psql', ['-X', '-At', conninfo, '-c', sql], { env });
  await psql(
    "create table ui_users (id int primary key, name text); insert into ui_users values (1, 'ada'), (2, 'grace'), (3, 'linus')",
  );
  await psql('select id, name from ui_users order by id');
  await psql('select 1 / 0').catch(() => undefined);
  await psql("select name from ui_users where name like 'g%'");

  const row = page.locator('.row.x', { hasText: 'select id, name from ui_users' });
  await row.waitFor();
  t.ok((await row.count()) > 0, 'the psql query is in the table, live');
  await page.locator('.row.x', { hasText: 'select 1 / 0' }).waitFor();
  await row.click();
  const rows = page.getByTestId('result-rows');
  await rows.waitFor();
  t.match(await rows.innerText(), /id\s+name\s+1\s+ada\s+2\s+grace\s+3\s+linus/);
  const pageText = await page.locator('body').innerText();
  t.notMatch(pageText, 'secret-pw', 'the password is nowhere in the page');

  const copy = page.getByTestId('copy-psql');
  const command = await copy.inputValue();
  t.match(command, new RegExp(`port=${pg.port} user=${pg.user} dbname=postgres`), command);
  const { stdout } = await sh('/bin/sh', ['-c', `${command} -At`], { env });
  t.equal(stdout, '1|ada\n2|grace\n3|linus\n', 'the copied command ran and answered the same');

  await page.getByTestId('connections').locator('tr', { hasText: 'closed' }).first().waitFor();
  if (process.env.LOOPTAP_SCREENSHOT) {
    await page.screenshot({ path: new URL('../../docs/ui.png', import.meta.url).pathname });
  }
  const { code } = await lt.stop('SIGINT');
  t.equal(code, 0);
});
