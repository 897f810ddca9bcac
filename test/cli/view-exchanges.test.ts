// The view on exchanges, through the real CLI: a capture written with exchange events shows one
// line per exchange (frames hidden after the first), --filter, --rows, --frames, --grep pairs;
// and nothing goes missing when a decoder guesses wrong (issue 9): a plain-text line taken for
// Redis HELLO, then the server's answer, shown raw live and in `view`. Needs `npm run build`.
import t from 'tap';
import net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { assertBuilt, connect, runLooptap, spawnLooptap } from '../helpers/net.js';
import { closeEvent, ex, openEvent, writeCapture } from '../helpers/exchanges.js';
import type { CaptureEvent } from '../../src/events.js';

t.before(assertBuilt);
const dir = mkdtempSync(join(tmpdir(), 'looptap-viewx-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

const at = new Date(2026, 0, 1, 12, 0, 1, 123).getTime();

function capture(): string {
  const frame = (
    conn: number,
    from: 'client' | 'server',
    name: string,
    summary: string,
  ): CaptureEvent => ({
    type: 'message',
    time: at,
    level: 30,
    msg: name,
    conn,
    from,
    protocol: 'postgres',
    name,
    fields: { summary },
  });
  const events: CaptureEvent[] = [
    openEvent(1),
    frame(1, 'client', 'Query', 'select name from users'),
    frame(1, 'server', 'CommandComplete', 'SELECT 2'),
    ex({
      id: 1,
      conn: 1,
      start: at,
      latencyMs: 0.4,
      request: { text: 'select name from users', sql: 'select name from users' },
      response: { text: 'SELECT 2', rows: 2, columns: ['name'], values: [['ann'], ['bob']] },
    }),
    frame(1, 'client', 'Query', 'select 1/0'),
    frame(1, 'server', 'ErrorResponse', '22012 division by zero'),
    {
      ...ex({
        id: 2,
        conn: 1,
        start: at,
        latencyMs: 0.2,
        request: { text: 'select 1/0', sql: 'select 1/0' },
        response: {
          text: 'ERROR division by zero',
          error: { code: '22012', message: 'division by zero' },
        },
      }),
      level: 40,
    },
    closeEvent(1),
  ];
  const file = join(dir, 'x.jsonl');
  writeCapture(file, events);
  return file;
}

const out = (s: string) => s.split('\n').filter((l) => l !== '');

t.test('one line per exchange; --rows; --frames; --filter; --grep', async (t) => {
  const file = capture();
  const r = await runLooptap(['view', file]);
  t.equal(r.code, 0, r.stderr);
  const lines = out(r.stdout);
  t.match(lines[0], /#1 open/);
  t.match(
    lines[1],
    /#1 -> postgres Query select name from users/,
    'frames before the first exchange',
  );
  t.match(lines[3], /^12:00:01\.123 #1 pg {2}select name from users -> SELECT 2 \(0\.40 ms\)$/);
  t.same(lines.slice(4, 8), ['    name', '    ----', '    ann', '    bob']);
  t.match(
    lines[8],
    /^12:00:01\.123 #1 pg {2}select 1\/0 -> ERROR division by zero \(22012\) \(0\.20 ms\)$/,
  );
  t.match(lines[9], /#1 close/);
  t.equal(lines.length, 10, 'the frames after the first exchange are hidden');

  t.equal(out((await runLooptap(['view', file, '--rows', '0'])).stdout).length, 6);
  const frames = out((await runLooptap(['view', file, '--frames'])).stdout);
  t.ok(
    frames.some((l) => /ErrorResponse 22012/.test(l)),
    '--frames',
  );

  const errors = out((await runLooptap(['view', file, '--filter', 'error:22012'])).stdout);
  t.same(
    errors.map((l) => l.replace(/^\S+ /, '')),
    ['#1 pg  select 1/0 -> ERROR division by zero (22012) (0.20 ms)'],
  );
  const json = out((await runLooptap(['view', file, '--json', '--filter', 'rows>1'])).stdout).map(
    (l) => JSON.parse(l) as { type: string; id?: number },
  );
  t.same(
    json.map((j) => j.type + (j.id ?? '')),
    ['exchange1'],
  );
  const bad = await runLooptap(['view', file, '--filter', '(error']);
  t.equal(bad.code, 2);
  t.match(bad.stderr, /^looptap: bad --filter at column 1: this "\(" is never closed/);

  const grep = out((await runLooptap(['view', file, '--grep', 'DIVISION'])).stdout);
  t.same(
    grep.map((l) => l.replace(/^\S+ /, '')),
    [
      '#1 -> postgres Query select 1/0',
      '#1 <- ErrorResponse 22012 division by zero',
      '#1 pg  select 1/0 -> ERROR division by zero (22012) (0.20 ms)',
    ],
    'the request and the answer, as frames and as the exchange',
  );
});

t.test('a decoder that guesses wrong: the answer is still shown, live and in view', async (t) => {
  const answer =
    'Hi there. This server speaks plain text, not RESP, and this line is 87 bytes long.....\n';
  t.equal(answer.length, 87);
  const server = net.createServer((s) => {
    s.once('data', () => s.end(answer));
    s.on('error', () => undefined);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(() => server.close());
  const port = (server.address() as net.AddressInfo).port;
  const file = join(dir, 'hello.jsonl');
  const lt = await spawnLooptap(t, ['--target', String(port), '--capture', file]);
  const c = await connect(lt.port);
  let got = '';
  c.setEncoding('utf8').on('data', (d: string) => (got += d));
  // an inline Redis PING (the sniff is right to call it Redis), answered in plain text: the
  // decoder loses track on the answer, which must still be shown (it once vanished)
  c.write('PING\r\n');
  await once(c, 'end');
  c.end();
  await once(c, 'close');
  t.equal(got, answer, 'forwarded as it was');
  t.equal((await lt.stop()).code, 0);
  const live = lt.stdout.join('\n');
  t.match(live, /lost track/, 'the decoder did guess wrong (the point of this test)');
  t.match(
    live,
    /#1 <- 87 B "Hi there\. This server speaks plain text/,
    "the server's answer, live",
  );
  const view = await runLooptap(['view', file]);
  t.match(view.stdout, /#1 <- 87 B "Hi there\. This server speaks plain text/, 'and in view');
});

t.test(
  'tcp, http and top: a bad --filter, --rows or --max-rows exits 2 before listening',
  async (t) => {
    for (const args of [
      ['--target', '1', '--filter', 'latency>'],
      ['http', '--target', '1', '--filter', 'status:9xx'],
      ['top', '--target', '1', '--filter', 'nope:1'],
      ['--target', '1', '--rows', '-1'],
      ['--target', '1', '--max-rows', '1.5'],
    ]) {
      const r = await runLooptap(args);
      t.equal(r.code, 2, args.join(' '));
      t.equal(r.stdout, '', 'nothing announced');
      t.match(r.stderr, /^looptap: (bad --filter at column \d+: |--(max-)?rows )/, r.stderr);
    }
  },
);
