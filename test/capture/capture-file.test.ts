// D1, D2, D3 (research/reliability.md) through the real CLI: the capture file is 0600 whatever
// the umask, an existing file's mode is fixed, a symlink or an impossible path is refused with
// one line, and a disk that fills up stops the capture but never the forwarding. Needs
// `npm run build`. The /dev/full case relays 64 MiB (~5 s).

import t, { type Test } from 'tap';
import {
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
  lstatSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  assertBuilt,
  connect,
  deadPort,
  hashUntilEnd,
  MiB,
  PayloadStream,
  runLooptap,
  spawnLooptap,
  startEcho,
} from '../helpers/net.js';

t.before(assertBuilt);

function tmp(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'looptap-capture-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function oneLine(t: Test, stderr: string, pattern: RegExp): void {
  const lines = stderr.split('\n').filter((l) => l.trim() !== '');
  t.equal(lines.length, 1, `one stderr line: ${JSON.stringify(stderr)}`);
  t.match(lines[0], pattern);
  t.notMatch(stderr, /\n\s+at /, 'no stack trace');
}

const mode = (p: string): number => statSync(p).mode & 0o777;

t.test('D1 a new capture is 0600 under umask 000', async (t) => {
  const file = join(tmp(t), 'new.jsonl');
  const target = String(await deadPort());
  const lt = await spawnLooptap(t, ['--target', target, '--quiet', '--capture', file], {
    shellPrefix: 'umask 000;',
  });
  t.equal(mode(file).toString(8), '600', 'mode 0600 although umask is 000');
  t.equal((await lt.stop()).code, 0);
  t.match(readFileSync(file, 'utf8').split('\n')[0], /"type":"header"/);
});

t.test(
  'D1 an existing 0644 capture file is made 0600 (and truncated with --overwrite)',
  async (t) => {
    const file = join(tmp(t), 'old.jsonl');
    writeFileSync(file, 'old content\n', { mode: 0o644 });
    t.equal(mode(file).toString(8), '644');
    const lt = await spawnLooptap(t, [
      '--target',
      String(await deadPort()),
      '--quiet',
      '--overwrite',
      '--capture',
      file,
    ]);
    t.equal(mode(file).toString(8), '600');
    t.equal((await lt.stop()).code, 0);
    t.notMatch(readFileSync(file, 'utf8'), /old content/, 'the old content is gone');
  },
);

t.test('D1 a symlink at the capture path is refused, its target untouched', async (t) => {
  const dir = tmp(t);
  const real = join(dir, 'precious.txt');
  writeFileSync(real, 'do not overwrite\n', { mode: 0o644 });
  const link = join(dir, 'capture.jsonl');
  symlinkSync(real, link);
  const r = await runLooptap(['--target', String(await deadPort()), '--capture', link]);
  t.equal(r.code, 1);
  oneLine(t, r.stderr, new RegExp(`${link}.*symbolic link`));
  t.equal(r.stdout, '', 'nothing was announced: looptap did not start');
  t.equal(readFileSync(real, 'utf8'), 'do not overwrite\n');
  t.equal(mode(real).toString(8), '644');
  t.ok(lstatSync(link).isSymbolicLink());
});

t.test('D3 a path through a regular file (ENOTDIR) is refused', async (t) => {
  const dir = tmp(t);
  writeFileSync(join(dir, 'file'), '');
  const bad = join(dir, 'file', 'capture.jsonl');
  const started = Date.now();
  const r = await runLooptap(['--target', String(await deadPort()), '--capture', bad]);
  t.equal(r.code, 1);
  oneLine(t, r.stderr, new RegExp(`${bad}.*not a directory`));
  t.ok(Date.now() - started < 5000, 'fails at once');
  const missing = join(dir, 'nope', 'capture.jsonl');
  const r2 = await runLooptap(['--target', String(await deadPort()), '--capture', missing]);
  t.equal(r2.code, 1);
  oneLine(t, r2.stderr, /directory does not exist/);
});

t.test('D2 --capture /dev/full: forwarding goes on, one ENOSPC line, exit 1', async (t) => {
  const echo = await startEcho(t);
  const lt = await spawnLooptap(t, [
    '--target',
    echo.address,
    '--decode',
    'raw',
    '--quiet',
    '--capture',
    '/dev/full',
  ]);
  const src = new PayloadStream(41, 64 * MiB);
  const c = await connect(lt.port);
  const got = hashUntilEnd(c);
  await src.writeTo(c);
  const r = await got;
  t.equal(r.bytes, src.size);
  t.equal(r.sha, src.sha, 'sha256 equal through a failing capture');
  // a connection after the failure is served too
  const c2 = await connect(lt.port);
  const got2 = hashUntilEnd(c2);
  c2.end('after');
  t.equal((await got2).bytes, 5);
  const { code, ms } = await lt.stop('SIGTERM');
  t.equal(code, 1, 'exit 1: the capture is incomplete');
  t.ok(ms < 3000, `SIGTERM exits promptly (${ms} ms)`);
  const enospc = lt.stderr.filter((l) => /ENOSPC/.test(l));
  t.equal(enospc.length, 1, `one line names ENOSPC: ${JSON.stringify(lt.stderr)}`);
  t.match(enospc[0], /\/dev\/full/);
  t.comment(`D2: stderr was ${JSON.stringify(lt.stderr)}; exit after SIGTERM in ${ms} ms`);
});
