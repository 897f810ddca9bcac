// Reading a capture line by line with bounded memory (src/capture/reader.ts): a line longer than
// MAX_LINE (64 MiB) is refused with FILE:LINE, exit 2, before it is held whole. Found by hand: a
// capture with one 200 MB line took `looptap view` to 1 GB RSS and 68 s before it exited 2.
// The same reader cuts lines on the newline byte, so UTF-8 split across reads is intact.

import t from 'tap';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { CaptureLines, MAX_LINE } from '../../src/capture/reader.js';
import type { CaptureEvent } from '../../src/events.js';
import { assertBuilt, BIN, MiB } from '../helpers/net.js';
import { skipTest } from '../helpers/skip.js';

const TIME = '/usr/bin/time';
const HEADER =
  JSON.stringify({
    type: 'header',
    format: 'looptap-capture',
    version: 1,
    time: 1,
    level: 30,
    msg: 'h',
  }) + '\n';

t.test('lines split anywhere, UTF-8 included, read the same', async (t) => {
  const text =
    HEADER +
    JSON.stringify({ type: 'error', time: 2, level: 50, msg: 'é€𝄞', code: 'X', message: 'ü' }) +
    '\n';
  const whole = Buffer.from(text);
  const read = (cuts: number[]): CaptureEvent[] => {
    const lines = new CaptureLines('x.jsonl');
    const out: CaptureEvent[] = [];
    let at = 0;
    for (const c of [...cuts, whole.length]) {
      // the reader reuses its buffer: give a copy that is overwritten afterwards, as it is
      const chunk = Buffer.from(whole.subarray(at, c));
      out.push(...lines.push(chunk));
      chunk.fill(0);
      at = c;
    }
    out.push(...lines.end());
    return out;
  };
  const expected = read([]);
  t.equal(expected.length, 2);
  for (let cut = 1; cut < whole.length; cut++) {
    t.same(read([cut]), expected, `cut at byte ${cut}`);
  }
});

t.test('a line past MAX_LINE is refused as soon as it is too long', async (t) => {
  const lines = new CaptureLines('big.jsonl');
  t.equal([...lines.push(Buffer.from(HEADER))].length, 1, 'the header');
  const chunk = Buffer.alloc(MiB, 0x78);
  let pushed = 0;
  let error: Error | undefined;
  try {
    for (; pushed < 2 * MAX_LINE; pushed += chunk.length) {
      t.equal([...lines.push(chunk)].length, 0);
    }
  } catch (err) {
    error = err as Error;
  }
  t.match(error?.message, /^big\.jsonl:2: line longer than 64 MiB/);
  t.equal(pushed, MAX_LINE, 'refused with the first byte past the limit');
});

t.test('looptap view of a 200 MB line: exit 2, FILE:LINE, bounded memory', async (t) => {
  if (!fs.existsSync(TIME)) {
    skipTest(t, `${TIME} is missing: apt-get install time to measure peak memory`);
    return;
  }
  assertBuilt();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'looptap-longline-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'big.jsonl');
  const fd = fs.openSync(file, 'w');
  fs.writeSync(fd, HEADER + '{"type":"data","conn":1,"from":"client","data":"');
  const block = Buffer.alloc(MiB, 0x41);
  for (let i = 0; i < 200; i++) fs.writeSync(fd, block);
  fs.writeSync(fd, '"}\n');
  fs.closeSync(fd);

  const child = spawn(TIME, ['-f', 'peak-rss-kb %M', process.execPath, BIN, 'view', file], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const code = await new Promise<number | null>((r) => child.on('close', r));
  t.equal(code, 2, 'a bad capture file: exit 2');
  t.match(stderr, new RegExp(`looptap: ${file}:2: line longer than 64 MiB`));
  const kb = Number(/peak-rss-kb (\d+)/.exec(stderr)?.[1]);
  // node itself is ~50 MiB; the refused line may hold 64 MiB of parts
  t.ok(kb * 1024 < 256 * MiB, `peak RSS ${Math.round(kb / 1024)} MiB (limit 256 MiB; 1 GB before)`);
});
