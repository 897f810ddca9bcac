// The faults from the command line: `looptap --target ... --fault '...'` against a real
// redis-server with redis-cli, a bad --fault line (exit 2, one line naming the fix), and
// `looptap serve --api 127.0.0.1:0` announcing its port on the first line, driven by the real
// toxiproxy-node-client, with the proxy's traffic in the --capture file under its route.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import t from 'tap';
import { Toxiproxy } from 'toxiproxy-node-client';
import { assertBuilt, runLooptap, spawnLooptap } from '../helpers/net.js';
import { haveRedis, REDIS_CLI, startRedisServer } from '../helpers/redis-server.js';
import { portOf } from './setup.js';

const run = promisify(execFile);
const PW = 'faults-cli-pw';
assertBuilt();

const cli = async (port: number, ...args: string[]): Promise<string> => {
  const r = await run(REDIS_CLI, ['-p', String(port), '-a', PW, '--no-auth-warning', ...args]);
  return r.stdout.trim();
};

t.test('--fault on the tcp command: redis-cli sees BUSY once, then the real answer', async (t) => {
  if (!haveRedis(t)) return;
  const server = await startRedisServer(t, PW);
  await cli(server.port, 'set', 'k', 'real');
  const lt = await spawnLooptap(t, [
    '--target',
    String(server.port),
    '--quiet',
    '--fault',
    'reply_error match="" count=1 code=BUSY message="Redis is busy"',
  ]);
  // no password on this first call: the GET is the connection's first command, and the fault
  // answers it before the server could ask for AUTH
  const first = await run(REDIS_CLI, ['-p', String(lt.port), 'get', 'k']);
  t.match(first.stdout.trim(), /^BUSY Redis is busy|^\(error\) BUSY/);
  t.equal(await cli(lt.port, 'get', 'k'), 'real', 'count=1: the next command goes through');
  const { code } = await lt.stop();
  t.equal(code, 0);
  t.match(lt.stderr.join('\n'), /faults ON: reply_error/, 'announced loudly');
});

t.test('a bad --fault exits 2 with one line that names the fix', async (t) => {
  for (const [fault, why] of [
    ['lightning', /invalid toxic type "lightning"/],
    ['latency latency=soon', /latency attribute "latency" must be a whole number/],
    ['reply_error match="sql~(" ', /match "sql~\(": bad filter at column/],
    ['latency latency=5 stream=sideways', /stream was invalid/],
    ['reply_error match="oops', /a quote is not closed/],
    ['delay_reply match="latency>5ms"', /latency \(column 1\) is known only from the answer/],
  ] as const) {
    const r = await runLooptap(['--target', '1', '--fault', fault]);
    t.equal(r.code, 2, `exit 2 for ${fault}`);
    t.match(r.stderr, why);
    t.equal(r.stderr.trim().split('\n').length, 1, 'one line');
  }
});

// SIGTERM stops the proxies at once (relay.close(0)), often while the last connection's FIN is
// still in flight: this once hung about 1 run in 4 (a refused reset, src/relay/reset.ts;
// reproduced 20 times in a row by test/faults/shutdown.test.ts).
t.test('looptap serve: announced port, node client, capture with the route', async (t) => {
  if (!haveRedis(t)) return;
  const server = await startRedisServer(t, PW);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'looptap-serve-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const capture = path.join(dir, 'cap.jsonl');
  const lt = await spawnLooptap(t, [
    'serve',
    '--api',
    '127.0.0.1:0',
    '--capture',
    capture,
    '--quiet',
  ]);
  t.match(
    lt.announcement,
    /^api listening on 127\.0\.0\.1:\d+ \(Toxiproxy-compatible API at http:\/\/127\.0\.0\.1:\d+/,
  );
  const toxiproxy = new Toxiproxy(`http://127.0.0.1:${lt.port}`);
  const proxy = await toxiproxy.createProxy({
    name: 'cache',
    listen: '127.0.0.1:0',
    upstream: `127.0.0.1:${server.port}`,
  });
  await proxy.addToxic({
    name: 'ro',
    type: 'reply_error' as never,
    stream: 'upstream',
    toxicity: 1,
    attributes: {
      match: '',
      count: 1,
      code: 'READONLY',
      message: "You can't write against a read only replica.",
    },
  });
  const r = await run(REDIS_CLI, ['-p', String(portOf(proxy.listen)), 'set', 'x', '1']);
  t.match(r.stdout, /READONLY You can't write/);
  t.equal(await cli(portOf(proxy.listen), 'ping'), 'PONG');
  const { code } = await lt.stop();
  t.equal(code, 0);
  const lines = fs
    .readFileSync(capture, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  const onRoute = lines.filter((l) => l.route === 'cache');
  t.ok(
    onRoute.some((l) => l.type === 'listening'),
    'the proxy is a route in the capture',
  );
  t.ok(
    onRoute.some((l) => l.type === 'message' && l.injected === 'ro'),
    'the injected reply is marked',
  );
  t.ok(
    onRoute.some((l) => l.type === 'error' && l.code === 'FAULT'),
    'and the fault has its line',
  );
});

// the refusal names --overwrite, so serve must take it (it answered "Unknown argument")
t.test(
  'looptap serve --capture: a non-empty file is refused, --overwrite replaces it',
  async (t) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'looptap-serve-ow-'));
    t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
    const capture = path.join(dir, 'cap.jsonl');
    fs.writeFileSync(capture, 'an earlier capture\n');
    const refused = await runLooptap(['serve', '--api', '127.0.0.1:0', '--capture', capture]);
    t.equal(refused.code, 2);
    t.match(refused.stderr, /already holds 19 bytes .*add --overwrite/);
    t.equal(fs.readFileSync(capture, 'utf8'), 'an earlier capture\n', 'nothing lost');
    const args = ['serve', '--api', '127.0.0.1:0', '--capture', capture, '--overwrite', '--quiet'];
    const lt = await spawnLooptap(t, args);
    t.match(lt.announcement, /^api listening on 127\.0\.0\.1:\d+/);
    const { code } = await lt.stop();
    t.equal(code, 0);
    t.notMatch(fs.readFileSync(capture, 'utf8'), /an earlier capture/, 'replaced');
  },
);
