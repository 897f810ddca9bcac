// `looptap top` in a real terminal (tmux): the table is drawn in the alternate screen, keys
// change the sort, q quits with exit 0 and the terminal restored (the announcement and the
// summary on the normal screen, the cursor back). Also the table itself from a hand-fed digest,
// and the refusal when stdout is not a terminal. Needs `npm run build` and tmux.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, assertBuilt, runLooptap, startEcho } from '../helpers/net.js';
import { Digest } from '../../src/digest/index.js';
import { fingerprintReady } from '../../src/digest/fingerprint.js';
import { topLines } from '../../src/view/top-screen.js';
import { ex } from '../helpers/exchanges.js';

t.before(assertBuilt);
const dir = mkdtempSync(join(tmpdir(), 'looptap-top-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const TMUX = '/usr/bin/tmux';

t.test('the table: columns, the sort mark, rows that fit the screen', async (t) => {
  await fingerprintReady();
  const d = new Digest();
  for (let i = 0; i < 30; i++)
    d.add(
      ex({
        conn: 1,
        latencyMs: 1,
        request: { sql: `select * from a where id = ${i}` },
        response: { rows: 1 },
      }),
    );
  for (let i = 0; i < 3; i++)
    d.add(
      ex({
        conn: 2,
        latencyMs: 50,
        request: { sql: `update b set x = ${i}` },
        response: { error: { code: '40001', message: 'x' } },
      }),
    );
  for (let i = 0; i < 40; i++)
    d.add(
      ex({
        conn: 3,
        latencyMs: 0.1,
        protocol: 'redis',
        request: { text: `GET k:${i}`, command: ['GET', `k:${i}`] },
      }),
    );
  const rates = new Map<string, number>();
  const lines = topLines(d, rates, 'total', 'looptap top: listening on x', 120, 7);
  t.equal(lines.length, 7);
  t.match(lines[1], /73 exchanges, 3 errors, 3 fingerprints\s+sort: total ms/);
  t.match(
    lines[3],
    /^protocol\s+calls\s+rate\/s\s+p50 ms\s+p95 ms\s+max ms\s+rows\s+errors\s+total ms\*\s+fingerprint$/,
  );
  t.match(
    lines[4],
    /^postgres\s+3\s+0\.0\s+50\.0\s+50\.0\s+50\.0\s+0\s+3\s+150\.0\s+update b set x = \$1$/,
  );
  t.match(lines[5], /^postgres\s+30\s.*select \* from a where id = \$1$/);
  t.match(lines[6], /^redis\s+40\s.*GET k:\*$/);
  const byCalls = topLines(d, rates, 'calls', 'h', 120, 30);
  t.match(byCalls[3], /calls\*/);
  t.match(byCalls[4], /GET k:\*/);
  t.match(topLines(d, rates, 'errors', 'h', 120, 30)[4], /update/);
  t.ok(
    topLines(d, rates, 'total', 'h', 60, 30).every((l) => l.length <= 60),
    'cut to the width',
  );
  t.match(topLines(new Digest(), rates, 'total', 'h', 80, 10, 'error: boom'), [
    'h',
    /0 exchanges/,
    '',
    /^protocol/,
    '(no exchanges yet)',
    '',
    '',
    '',
    '',
    'error: boom',
  ]);
});

t.test('top needs a terminal', async (t) => {
  const file = join(dir, 'not-made.jsonl');
  const r = await runLooptap(['top', '--target', '1', '--capture', file]);
  t.equal(r.code, 2);
  t.match(r.stderr, /^looptap: looptap top draws a full-screen table and needs a terminal/);
  t.notOk(existsSync(file), 'refused before anything was created');
  const json = await runLooptap(['--target', '1', '--top', '--json']);
  t.equal(json.code, 2);
  t.match(json.stderr, /leave out --json and --quiet/);
});

t.test(
  'under tmux: draws, sorts with keys, quits cleanly on q',
  { skip: existsSync(TMUX) ? false : `${TMUX} is missing: apt-get install tmux` },
  async (t) => {
    const echo = await startEcho(t);
    const sock = `looptap-top-${process.pid}`;
    const tmux = (...args: string[]): string =>
      execFileSync(TMUX, ['-L', sock, ...args], { encoding: 'utf8' });
    const status = join(dir, 'status');
    const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
    const cmd = `${q(process.execPath)} ${q(BIN)} top --target ${echo.port}; echo EXIT=$? > ${q(status)}; exec sleep 600`;
    tmux('new-session', '-d', '-s', 'top', '-x', '110', '-y', '24', cmd);
    t.teardown(() => {
      try {
        tmux('kill-server');
      } catch {
        /* already gone */
      }
    });
    const screen = (): string => tmux('capture-pane', '-p', '-t', 'top');
    const until = async (what: string, ok: (s: string) => boolean): Promise<string> => {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const s = screen();
        if (ok(s)) return s;
        if (Date.now() > deadline) throw new Error(`${what} did not appear:\n${s}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    const drawn = await until('the table', (s) => /sort: total ms/.test(s));
    t.match(
      drawn,
      /^looptap top: listening on 127\.0\.0\.1:\d+ -> 127\.0\.0\.1:\d+ \(tcp, decode auto\)/m,
    );
    t.match(drawn, /^protocol\s+calls\s+rate\/s.*total ms\*\s+fingerprint$/m);
    t.match(drawn, /\(no exchanges yet\)/);
    tmux('send-keys', '-t', 'top', 'c');
    const sorted = await until('sort by calls', (s) => /sort: calls/.test(s));
    t.match(sorted, /protocol\s+calls\*/);
    tmux('send-keys', '-t', 'top', 'p');
    await until('sort by p95', (s) => /sort: p95 ms/.test(s));
    tmux('send-keys', '-t', 'top', 'q');
    await until('the exit', () => existsSync(status));
    t.equal(readFileSync(status, 'utf8').trim(), 'EXIT=0', 'q is a clean exit');
    // stderr is a terminal here, so the log is pino-pretty's (docs/logging.md)
    const after = await until('the normal screen', (s) => /\] INFO: stopped: /.test(s));
    t.match(
      after,
      /^listening on 127\.0\.0\.1:\d+ -> /m,
      'the announcement is on the normal screen',
    );
    t.notMatch(after, /sort: /, 'the table is gone with the alternate screen');
    const cursor = tmux('display-message', '-p', '-t', 'top', '#{cursor_flag} #{alternate_on}');
    t.equal(cursor.trim(), '1 0', 'cursor shown, alternate screen off');
  },
);
