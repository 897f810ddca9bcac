// `looptap view` (F1 in research/reliability.md): a real capture is shown with exactly the lines
// the live view printed; a corrupt, foreign, empty, missing or future capture exits 2 with one
// line naming the file (and the line, where there is one) and no stack trace.
// Needs `npm run build`.

import t, { type Test } from 'tap';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  assertBuilt,
  connect,
  hashUntilEnd,
  payload,
  runLooptap,
  spawnLooptap,
  startEcho,
} from '../helpers/net.js';

t.before(assertBuilt);

const dir = mkdtempSync(join(tmpdir(), 'looptap-view-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

/** a capture made by the real CLI, and what its live view printed */
let captures = 0;
async function realCapture(t: Test): Promise<{ file: string; live: string[] }> {
  // a new file each time: --capture refuses to replace an earlier capture
  const file = join(dir, `real-${++captures}.jsonl`);
  const echo = await startEcho(t);
  const lt = await spawnLooptap(t, ['--target', echo.address, '--capture', file]);
  for (const body of [Buffer.from('hello, looptap\r\n'), payload(3, 300)]) {
    const c = await connect(lt.port);
    const got = hashUntilEnd(c);
    c.end(body);
    await got;
    c.destroy();
  }
  t.equal((await lt.stop()).code, 0);
  return { file, live: lt.stdout };
}

function oneLine(t: Test, r: { code: number; stdout: string; stderr: string }, re: RegExp): void {
  t.equal(r.code, 2, 'exit 2');
  const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
  t.equal(lines.length, 1, `one line: ${JSON.stringify(r.stderr)}`);
  t.match(lines[0], re);
  t.notMatch(r.stderr, /\n\s+at /, 'no stack trace');
}

t.test('view of a real capture prints the lines the live view printed', async (t) => {
  const { file, live } = await realCapture(t);
  const r = await runLooptap(['view', file]);
  t.equal(r.code, 0);
  const shown = r.stdout.split('\n').filter((l) => l !== '');
  t.match(shown[0], /^listening on 127\.0\.0\.1:\d+ -> 127\.0\.0\.1:\d+ \(tcp, decode auto\)$/);
  t.ok(
    shown.some((l) => / #1 open 127\.0\.0\.1:\d+ -> /.test(l)),
    'an open line',
  );
  t.ok(shown.some((l) => / #2 close client_fin \(client 300 B, server 300 B/.test(l)));
  t.same(shown, live, 'the same lines, in the same order, as live');
});

t.test('corrupt and foreign captures: exit 2, file and line in one line', async (t) => {
  const { file } = await realCapture(t);
  const lines = readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '');
  t.ok(lines.length > 8, 'the real capture has enough lines to damage');
  const write = (name: string, text: string): string => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };
  const garbage = write(
    'garbage.jsonl',
    [...lines.slice(0, 4), 'this is not json', ...lines.slice(4)].join('\n') + '\n',
  );
  oneLine(t, await runLooptap(['view', garbage]), new RegExp(`${garbage}:5: not JSON`));

  const last = lines[lines.length - 1]!;
  const cut = write('cut.jsonl', [...lines.slice(0, -1), last.slice(0, 20)].join('\n'));
  oneLine(
    t,
    await runLooptap(['view', cut]),
    new RegExp(`${cut}:${lines.length}: the last line is cut off`),
  );

  const empty = write('empty.jsonl', '');
  oneLine(t, await runLooptap(['view', empty]), new RegExp(`${empty}:1: .*empty`));

  const missing = join(dir, 'missing.jsonl');
  oneLine(t, await runLooptap(['view', missing]), new RegExp(`${missing}.*no such file`));

  const sub = join(dir, 'a-directory');
  mkdirSync(sub);
  oneLine(t, await runLooptap(['view', sub]), new RegExp(`${sub}.*directory`));

  const foreign = write('foreign.jsonl', '{"level":30,"time":1,"msg":"a pino log"}\n');
  oneLine(t, await runLooptap(['view', foreign]), new RegExp(`${foreign}:1: no "type" field`));
  const other = write('other.jsonl', '{"type":"request","url":"/"}\n{"type":"response"}\n');
  oneLine(t, await runLooptap(['view', other]), new RegExp(`${other}:1: not a looptap capture`));

  const future = write('future.jsonl', lines[0]!.replace('"version":1', '"version":99') + '\n');
  t.match(future, /future/);
  oneLine(t, await runLooptap(['view', future]), new RegExp(`${future}:1: .*version 99.*upgrade`));
});
