// `looptap view` on long captures (issue 6): --route, --conn, --protocol, --from and --grep on a
// real two-route capture (redis-server and an echo), and --follow across rotation.
import t from 'tap';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { Redis } from 'ioredis';
import { BIN, connect, runLooptap, spawnLooptap, startEcho } from '../helpers/net.js';
import { need, routePorts, startRedis } from '../helpers/real-servers.js';

const dir = mkdtempSync(join(tmpdir(), 'looptap-view-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

type Line = Record<string, unknown> & { type: string; route?: string; conn?: number };
const lines = (out: string): Line[] =>
  out
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Line);

async function echoOnce(port: number, text: string): Promise<void> {
  const s = await connect(port);
  s.end(text);
  s.resume();
  await once(s, 'end');
}

t.test('filters on a real two-route capture', async (t) => {
  if (!need(t, '/usr/bin/redis-server', 'redis-server')) return;
  const redis = await startRedis(t);
  const echo = await startEcho(t);
  const capture = join(dir, 'two.jsonl');
  const lt = await spawnLooptap(t, [
    '--quiet',
    '--capture',
    capture,
    '--route',
    `cache@0=${redis.port}`,
    '--route',
    `echo@0=${echo.port}`,
  ]);
  const ports = await routePorts(lt, 2);
  const r = new Redis({ host: '127.0.0.1', port: ports.get('cache')!, lazyConnect: true });
  await r.connect();
  await r.set('needle-key', 'x');
  await r.get('other-key');
  r.disconnect();
  await echoOnce(ports.get('echo')!, 'echo one');
  await echoOnce(ports.get('echo')!, 'echo two');
  await new Promise((res) => setTimeout(res, 300));
  await lt.stop();

  const all = lines((await runLooptap(['view', capture, '--json'])).stdout);
  t.ok(all.some((e) => e.route === 'cache') && all.some((e) => e.route === 'echo'));

  const echoOnly = lines((await runLooptap(['view', capture, '--json', '--route', 'echo'])).stdout);
  t.ok(echoOnly.length > 4);
  t.same([...new Set(echoOnly.map((e) => e.route))], ['echo'], '--route keeps one route');

  const conn2 = lines(
    (await runLooptap(['view', capture, '--json', '--route', 'echo', '--conn', '2'])).stdout,
  );
  t.same(
    [...new Set(conn2.filter((e) => e.type !== 'listening').map((e) => `${e.route}#${e.conn}`))],
    ['echo#2'],
    '--route with --conn picks one connection although ids repeat across routes',
  );
  const data2 = conn2.filter((e) => e.type === 'data' && e.from === 'client');
  t.equal(Buffer.from(String(data2[0]?.data), 'base64').toString(), 'echo two');

  const server = lines(
    (await runLooptap(['view', capture, '--json', '--route', 'echo', '--from', 'server'])).stdout,
  );
  t.ok(server.some((e) => e.type === 'data'));
  t.same(
    server.filter((e) => e.from !== undefined && e.from !== 'server'),
    [],
    '--from server drops the client side',
  );
  t.ok(
    server.some((e) => e.type === 'open'),
    'opens stay for context',
  );

  const redisMsgs = lines(
    (await runLooptap(['view', capture, '--json', '--protocol', 'redis'])).stdout,
  );
  const msgs = redisMsgs.filter((e) => e.type === 'message');
  t.ok(msgs.length >= 2, `${msgs.length} redis messages`);
  t.same(
    redisMsgs.filter((e) => e.route === 'echo' && e.type !== 'listening'),
    [],
    '--protocol redis leaves the echo route out',
  );

  const grep = await runLooptap(['view', capture, '--json', '--grep', 'NEEDLE-KEY']);
  const hits = lines(grep.stdout).filter((e) => e.type !== 'listening');
  t.ok(hits.length >= 2, 'grep finds the command, in any case');
  // the frames and, now that Redis makes exchanges, the exchange they belong to
  for (const h of hits) t.ok(h.type === 'message' || h.type === 'exchange', `${h.type} hit`);
  t.ok(hits.some((h) => h.type === 'message') && hits.some((h) => h.type === 'exchange'));
  t.match(JSON.stringify(hits[0]), /needle-key/, 'the request that matched');
  t.match(hits[1], { from: 'server', name: 'reply' }, 'and its answer, which does not match');
  t.notMatch(JSON.stringify(hits), /other-key/, 'other requests stay out');
  const human = await runLooptap(['view', capture, '--grep', 'needle-key']);
  t.match(human.stdout, /\[cache\] .*needle-key/, 'the human view shows the route');
  // frames are hidden beside exchanges (the capture's header says Redis makes them): the
  // answer is on the request's exchange line; --frames puts it under the request again
  t.match(human.stdout, /\[cache\] #\d+ redis SET needle-key x -> OK/, 'and its answer with it');
  const frames = await runLooptap(['view', capture, '--frames', '--grep', 'needle-key']);
  t.match(
    frames.stdout,
    /needle-key.*\n.*\[cache\] #\d+ <- reply/,
    '--frames: the answer under it',
  );
  t.notMatch(human.stdout, /other-key/);
  const none = await runLooptap(['view', capture, '--json', '--grep', 'no-such-text-anywhere']);
  t.same(
    lines(none.stdout).filter((e) => e.type !== 'listening'),
    [],
  );
  const bad = await runLooptap(['view', capture, '--from', 'sideways']);
  t.equal(bad.code, 2);
});

t.test('--follow reads on across rotation', async (t) => {
  const echo = await startEcho(t);
  const capture = join(dir, 'rot.jsonl');
  const lt = await spawnLooptap(t, [
    '--quiet',
    '--decode',
    'raw',
    '--capture',
    capture,
    '--capture-max-size',
    '4KB',
    '--capture-keep',
    '2',
    String(echo.port),
  ]);
  const viewer = spawn(
    process.execPath,
    [BIN, 'view', capture, '--follow', '--json', '--from', 'client'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  t.teardown(() => {
    if (viewer.exitCode === null) viewer.kill('SIGKILL');
  });
  let out = '';
  let wake: (() => void) | undefined;
  viewer.stdout.setEncoding('utf8').on('data', (c: string) => {
    out += c;
    wake?.();
  });
  /** waits until the viewer has printed `text` (a generous deadline only turns a hang into a
   * failure): the test moves on when the viewer shows something, never after a fixed time */
  const shown = async (text: string): Promise<boolean> => {
    const deadline = Date.now() + 30_000;
    while (!out.includes(text) && Date.now() < deadline) {
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, 1000);
      });
    }
    return out.includes(text);
  };
  // the viewer is reading once it shows the announcement (node takes a while to start)
  t.ok(await shown('"listening"'), 'the viewer shows the announcement first');
  const N = 16;
  const pad = 'x'.repeat(900);
  const b64 = (s: string): string => Buffer.from(s).toString('base64');
  for (let i = 1; i <= N; i++) {
    const marker = `marker-${i}-${pad}`;
    await echoOnce(lt.port, marker);
    // one marker in flight at a time: the capture rotates every two or so, and a follower
    // that is shown the previous one before the next is sent is never outrun by rotation
    // (--capture-keep 2); under load, a fixed 250 ms pace let rotation delete unread files
    if (!(await shown(b64(marker).slice(0, 40)))) break;
  }
  viewer.kill('SIGINT');
  const [code] = (await once(viewer, 'exit')) as [number | null];
  t.equal(code, 0, 'the viewer stops cleanly on Ctrl-C');
  await lt.stop();
  t.match(lt.stderr.join('\n'), /\d+ rotations/, 'the capture did rotate');
  const seen = lines(out)
    .filter((e) => e.type === 'data')
    .map((e) => /^marker-(\d+)-/.exec(Buffer.from(String(e.data), 'base64').toString())?.[1])
    .map(Number);
  t.same(
    seen,
    Array.from({ length: N }, (_, i) => i + 1),
    'every marker once, in order',
  );
});
