// Debian's chromium driven by playwright-core, headless, with a fresh user-data dir per test.
// Missing chromium is a skip (never a pass), or a failure under LOOPTAP_REQUIRE_SERVERS=1.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { skipTest, type SkipTarget } from '../helpers/skip.js';

export const CHROMIUM = '/usr/bin/chromium';

/** true when chromium is there; otherwise skips `t` (fails it under LOOPTAP_REQUIRE_SERVERS=1) */
export function haveChromium(t: SkipTarget): boolean {
  if (fs.existsSync(CHROMIUM)) return true;
  skipTest(t, `${CHROMIUM} is missing: apt-get install chromium to run the browser tests`);
  return false;
}

export interface Browser {
  context: BrowserContext;
  page: Page;
}

export async function openBrowser(t: { teardown(fn: () => unknown): void }): Promise<Browser> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'looptap-chromium-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1400, height: 900 },
  });
  t.teardown(async () => {
    await context.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return { context, page };
}
