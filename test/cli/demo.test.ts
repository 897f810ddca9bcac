// `looptap demo` is the newcomer's first contact: it must work with nothing installed but the
// npm packages, and show a decoded conversation. Runs the real CLI (dist/) as a child process.
import t from 'tap';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../bin/looptap.js', import.meta.url));

function run(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, ...env } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => resolve({ code, out, err }));
  });
}

t.test('demo --once shows a decoded PostgreSQL conversation and captures it', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'looptap-demo-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const capture = join(dir, 'demo.jsonl');
  const { code, out, err } = await run(['demo', '--once', '--capture', capture], { NO_COLOR: '1' });
  t.equal(code, 0, `exit 0 (stderr: ${err.slice(-500)})`);
  const lines = out.split('\n');
  t.match(
    lines[0],
    /^listening on 127\.0\.0\.1:\d+ -> 127\.0\.0\.1:\d+ \(tcp, decode auto\)$/,
    'announcement first',
  );
  t.match(out, /#1 pg {2}create table demo_users .* -> CREATE TABLE/, 'the DDL is shown as SQL');
  t.match(out, /#1 -> postgres StartupMessage user=postgres/, 'who logged in');
  t.notMatch(out, /-> postgres (Query|Parse) /, 'no frames beside the exchanges');
  t.match(
    out,
    /insert into demo_users \(name, email\) values \(\$1, \$2\)/,
    'the parameterized insert is shown',
  );
  t.match(out, /22012|division by zero/, 'the error answer is shown with its SQLSTATE or message');
  const control = [...out].filter((ch) => ch < ' ' && ch !== '\n');
  t.same(control, [], 'no raw control bytes reach the terminal (NO_COLOR is set)');
  t.match(
    err,
    /psql 'postgresql:\/\/postgres@127\.0\.0\.1:\d+\/postgres\?sslmode=disable'/,
    'prints a ready psql line',
  );

  const events = readFileSync(capture, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  t.equal(events[0]!.type, 'header');
  const messages = events.filter((e) => e.type === 'message');
  const binds = messages.filter((m) => m.name === 'Bind');
  t.ok(
    binds.some((b) => JSON.stringify(b.params).includes('grace@example.com')),
    'bound parameters are in the capture',
  );
  const error = messages.find((m) => m.name === 'ErrorResponse') as
    { error?: { code?: string } } | undefined;
  t.equal(error?.error?.code, '22012', 'ErrorResponse carries SQLSTATE 22012');
  const opens = events.filter((e) => e.type === 'open').length;
  t.ok(opens >= 1, 'at least one connection');
  t.equal(events.filter((e) => e.type === 'close').length, opens, 'every open has its close');
});
