// Long runs (issue 6): 200 MB through looptap with --capture-max-size 10MB --capture-keep 3.
// The disk never holds more than the current file and 3 rotated ones of at most 10 MB each,
// every file is 0600 (under umask 000) and starts with its own header, and the kept files
// hold a contiguous tail of each stream: no event lost between files.
import t from 'tap';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  MiB,
  PayloadStream,
  connect,
  hashUntilEnd,
  spawnLooptap,
  startEcho,
} from '../helpers/net.js';
import { readCapture } from '../../src/capture/reader.js';
import type { DataEvent } from '../../src/events.js';

const dir = mkdtempSync(join(tmpdir(), 'looptap-rotate-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

const CAP = 10 * 1024 * 1024;

function diskUse(base: string): { total: number; files: string[] } {
  const files = readdirSync(dir).filter((f) => f === base || f.startsWith(base + '.'));
  let total = 0;
  for (const f of files) {
    try {
      total += statSync(join(dir, f)).size;
    } catch {
      /* renamed between readdir and stat */
    }
  }
  return { total, files };
}

t.test('200 MB with a 10 MB cap and 3 kept files', async (t) => {
  const echo = await startEcho(t);
  const capture = join(dir, 'cap.jsonl');
  const lt = await spawnLooptap(
    t,
    [
      '--quiet',
      '--decode',
      'raw',
      '--capture',
      capture,
      '--capture-max-size',
      '10MB',
      '--capture-keep',
      '3',
      echo.port.toString(),
    ],
    { shellPrefix: 'umask 000;' },
  );
  let maxDisk = 0;
  let maxFiles = 0;
  const sampler = setInterval(() => {
    const d = diskUse('cap.jsonl');
    maxDisk = Math.max(maxDisk, d.total);
    maxFiles = Math.max(maxFiles, d.files.length);
  }, 50);
  t.teardown(() => clearInterval(sampler));

  const PER_CONN = 50 * MiB;
  const started = Date.now();
  const results = await Promise.all(
    [1, 2].map(async (seed) => {
      const s = await connect(lt.port);
      const stream = new PayloadStream(seed, PER_CONN);
      const back = hashUntilEnd(s);
      await stream.writeTo(s);
      return { sent: stream.sha, got: await back };
    }),
  );
  const ms = Date.now() - started;
  for (const r of results) t.equal(r.got.sha, r.sent, 'echo intact through looptap');
  // no pause to let things settle: the data events were emitted before the echo came back,
  // and SIGINT flushes everything (every open gets its close) before looptap exits
  const { code } = await lt.stop('SIGINT');
  clearInterval(sampler);
  t.equal(code, 0);
  t.comment(
    `200 MB relayed with rotating capture in ${ms} ms; disk peak ${(maxDisk / MiB).toFixed(1)} MiB`,
  );

  const d = diskUse('cap.jsonl');
  t.same(d.files.sort(), ['cap.jsonl', 'cap.jsonl.1', 'cap.jsonl.2', 'cap.jsonl.3']);
  t.ok(maxFiles <= 4, `never more than 4 files (${maxFiles})`);
  t.ok(maxDisk <= 4 * CAP, `disk peak ${maxDisk} <= 4 x 10 MB`);
  for (const f of d.files) {
    const st = statSync(join(dir, f));
    t.equal(st.mode & 0o777, 0o600, `${f} is 0600`);
    t.ok(st.size <= CAP, `${f} is ${st.size} <= 10 MB`);
  }
  t.match(lt.stderr.join('\n'), /capture .*cap\.jsonl \([\d.]+ MiB, \d+ rotations\)/);

  // oldest first: .3 .2 .1 then the current file
  const next = new Map<string, { seq: number; offset: number }>();
  const keptBytes = new Map<string, number>();
  let headers = 0;
  for (const f of ['cap.jsonl.3', 'cap.jsonl.2', 'cap.jsonl.1', 'cap.jsonl']) {
    let first = true;
    for await (const e of readCapture(join(dir, f))) {
      if (first) {
        t.equal(e.type, 'header', `${f} starts with its header`);
        headers++;
        first = false;
      }
      if (e.type !== 'data') continue;
      const de: DataEvent = e;
      const key = `${de.conn}/${de.from}`;
      const want = next.get(key);
      if (want && (want.seq !== de.seq || want.offset !== de.offset)) {
        t.fail(
          `${key}: expected seq ${want.seq} at ${want.offset}, got seq ${de.seq} at ${de.offset} in ${f}`,
        );
        return;
      }
      next.set(key, { seq: de.seq + 1, offset: de.offset + de.len });
      keptBytes.set(key, (keptBytes.get(key) ?? 0) + de.bytes.length);
    }
  }
  t.equal(headers, 4);
  // the kept files are the last ~40 MB of lines: the tail of whichever streams ran last
  t.ok(next.size >= 1, `${next.size} directions in the kept files`);
  for (const [key, n] of next) {
    t.equal(n.offset, PER_CONN, `${key}: the kept tail runs to the last byte`);
  }
  const kept = [...keptBytes.values()].reduce((a, b) => a + b, 0);
  // 4 files of up to 10 MB of base64 (4/3) lines hold about 30 MB of payload
  t.ok(kept > 20 * MiB && kept <= 30 * MiB, `${(kept / MiB).toFixed(1)} MiB of payload kept`);
});

t.test('--max-payload keeps the first BYTES, the original len and truncated: true', async (t) => {
  const echo = await startEcho(t);
  const capture = join(dir, 'cut.jsonl');
  const lt = await spawnLooptap(t, [
    '--quiet',
    '--capture',
    capture,
    '--max-payload',
    '100',
    echo.port.toString(),
  ]);
  const s = await connect(lt.port);
  const back = hashUntilEnd(s);
  const big = Buffer.alloc(5000, 'x');
  s.end(Buffer.concat([Buffer.from('short'), Buffer.alloc(0)]));
  await back;
  const s2 = await connect(lt.port);
  const back2 = hashUntilEnd(s2);
  s2.end(big);
  t.equal((await back2).bytes, 5000);
  await lt.stop();
  const data: DataEvent[] = [];
  for await (const e of readCapture(capture)) if (e.type === 'data') data.push(e);
  const short = data.filter((d) => d.conn === 1);
  t.ok(short.length > 0 && short.every((d) => !d.truncated && d.bytes.toString() === 'short'));
  const cut = data.filter((d) => d.conn === 2);
  t.ok(cut.length >= 2);
  t.equal(
    cut.reduce((n, d) => n + d.len, 0),
    10000,
    'original lengths add up to what passed',
  );
  for (const d of cut) {
    if (d.len > 100) {
      t.equal(d.truncated, true, `seq ${d.seq} marked truncated`);
      t.equal(d.bytes.length, 100, 'only the first 100 bytes kept');
    } else t.notOk(d.truncated);
  }
  t.match(lt.stderr.join('\n'), /payloads cut by --max-payload/);
});

t.test('usage errors for the long-run flags', async (t) => {
  const { runLooptap } = await import('../helpers/net.js');
  const a = await runLooptap(['--capture-max-size', '10MB', '5432']);
  t.equal(a.code, 2);
  t.match(a.stderr, /add --capture FILE/);
  const b = await runLooptap([
    '--capture',
    join(dir, 'x.jsonl'),
    '--capture-max-size',
    'ten',
    '5432',
  ]);
  t.equal(b.code, 2);
  t.match(b.stderr, /--capture-max-size "ten" is not a size/);
  const c = await runLooptap(['--capture', join(dir, 'x.jsonl'), '--capture-keep', '-1', '5432']);
  t.equal(c.code, 2);
  t.match(c.stderr, /--capture-keep "-1" is not a number of 0 or more/);
});
