// What `--capture` refuses before anything is written (src/capture/open-capture.ts,
// docs/capture-format.md "Files"), through the real CLI: a FIFO (it used to hang at start with no
// message when nobody read it), and a non-empty existing file unless --overwrite (it used to be
// truncated silently). Needs `npm run build`.

import t, { type Test } from 'tap';
import { execFileSync } from 'node:child_process';
import fs, { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertBuilt, deadPort, runLooptap, spawnLooptap } from '../helpers/net.js';

t.before(assertBuilt);

function tmp(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'looptap-refuse-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function oneLine(t: Test, stderr: string, pattern: RegExp): void {
  const lines = stderr.split('\n').filter((l) => l.trim() !== '');
  t.equal(lines.length, 1, `one stderr line: ${JSON.stringify(stderr)}`);
  t.match(lines[0], pattern);
}

const OLD = '{"type":"header","format":"looptap-capture","version":1}\n{"an":"earlier run"}\n';

t.test('a FIFO with no reader is refused at once, exit 2', async (t) => {
  const fifo = join(tmp(t), 'events.fifo');
  execFileSync('mkfifo', [fifo]);
  const r = await runLooptap(['--target', String(await deadPort()), '--capture', fifo]);
  t.equal(r.code, 2, 'a usage error: the wrong kind of path');
  oneLine(t, r.stderr, new RegExp(`${fifo}.*FIFO \\(named pipe\\).*give a file path`));
  t.equal(r.stdout, '', 'nothing was announced: looptap did not start');
});

t.test('a FIFO that has a reader is refused too', async (t) => {
  const fifo = join(tmp(t), 'events.fifo');
  execFileSync('mkfifo', [fifo]);
  const reader = fs.openSync(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  t.teardown(() => fs.closeSync(reader));
  const r = await runLooptap(['--target', String(await deadPort()), '--capture', fifo]);
  t.equal(r.code, 2);
  oneLine(t, r.stderr, /is a FIFO \(named pipe\): give a regular file path/);
});

for (const mode of ['tcp', 'http'] as const) {
  t.test(`${mode}: a non-empty capture is refused without --overwrite, untouched`, async (t) => {
    const file = join(tmp(t), 'old.jsonl');
    writeFileSync(file, OLD, { mode: 0o600 });
    const r = await runLooptap([mode, '--target', String(await deadPort()), '--capture', file]);
    t.equal(r.code, 2);
    oneLine(
      t,
      r.stderr,
      new RegExp(`capture ${file} already holds ${OLD.length} bytes .*add --overwrite`),
    );
    t.equal(readFileSync(file, 'utf8'), OLD, 'the earlier capture is intact');
  });
}

t.test('with rotation on, the first file is protected the same way', async (t) => {
  const file = join(tmp(t), 'old.jsonl');
  writeFileSync(file, OLD);
  const r = await runLooptap([
    '--target',
    String(await deadPort()),
    '--capture',
    file,
    '--capture-max-size',
    '1MB',
  ]);
  t.equal(r.code, 2);
  oneLine(t, r.stderr, /already holds .*--overwrite/);
  t.equal(readFileSync(file, 'utf8'), OLD);
});

t.test('--overwrite replaces it; an empty file needs no --overwrite', async (t) => {
  const dir = tmp(t);
  const file = join(dir, 'old.jsonl');
  writeFileSync(file, OLD, { mode: 0o644 });
  const lt = await spawnLooptap(t, [
    '--target',
    String(await deadPort()),
    '--quiet',
    '--overwrite',
    '--capture',
    file,
  ]);
  t.equal((await lt.stop()).code, 0);
  const text = readFileSync(file, 'utf8');
  t.notMatch(text, /earlier run/, 'the old content is gone');
  t.match(text.split('\n')[0], /"type":"header"/);
  t.equal((statSync(file).mode & 0o777).toString(8), '600');

  const empty = join(dir, 'empty.jsonl');
  writeFileSync(empty, '');
  const lt2 = await spawnLooptap(t, [
    '--target',
    String(await deadPort()),
    '--quiet',
    '--capture',
    empty,
  ]);
  t.equal((await lt2.stop()).code, 0);
  t.match(readFileSync(empty, 'utf8'), /^\{"type":"header"/, 'an empty file is simply used');
});
