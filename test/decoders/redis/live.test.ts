// The Redis decoder through the real relay against a real redis-server (requirepass canary):
// redis-cli (RESP2, -3 for RESP3, a --pipe of inline commands with an inline AUTH), ioredis
// (pipeline, multi/exec, pub/sub), and redis-benchmark -P 16. Checks the decoded commands and
// replies, pairing and latency, no fallback or error events, and that the password never reaches
// the capture file in any form.

import t from 'tap';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { MemorySink, openCaptureFile, startRelay } from '../../../src/index.js';
import type { MessageEvent } from '../../../src/index.js';
import { secretForms } from '../../helpers/feed.js';
import {
  haveRedis,
  REDIS_BENCHMARK,
  REDIS_CLI,
  startRedisServer,
} from '../../helpers/redis-server.js';

const CANARY = 'LiveCanary-redis-5e81c2';

function run(
  bin: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; input?: string; timeout?: number } = {},
): Promise<{ stdout: string; stderr: string; code: number }> {
  return new Promise((resolve) => {
    const child = execFile(
      bin,
      args,
      { env: { ...process.env, ...opts.env }, timeout: opts.timeout ?? 20_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ stdout, stderr, code });
      },
    );
    if (opts.input !== undefined) child.stdin!.end(opts.input);
  });
}

const line = (m: MessageEvent): string => `${m.from} ${m.name} ${String(m.fields.summary)}`;

t.test('redis-cli, ioredis and redis-benchmark through the relay', async (t) => {
  if (!haveRedis(t)) return;
  const server = await startRedisServer(t, CANARY);
  const dir = mkdtempSync(join(tmpdir(), 'looptap-redis-live-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const capPath = join(dir, 'cap.jsonl');
  const mem = new MemorySink();
  const cap = await openCaptureFile(capPath);
  const relay = await startRelay({
    target: `127.0.0.1:${server.port}`,
    decode: 'auto',
    sinks: [mem, cap],
  });
  let closed = false;
  t.teardown(async () => {
    if (!closed) await relay.close(100);
  });
  const where = ['-h', '127.0.0.1', '-p', String(relay.port)];
  const auth = { REDISCLI_AUTH: CANARY };

  // redis-cli, RESP2 then RESP3
  t.equal(
    (await run(REDIS_CLI, [...where, 'SET', 'k', 'hello world'], { env: auth })).stdout,
    'OK\n',
  );
  t.equal((await run(REDIS_CLI, [...where, 'GET', 'k'], { env: auth })).stdout, 'hello world\n');
  await run(REDIS_CLI, [...where, '-3', 'HSET', 'h', 'f', 'v'], { env: auth });
  const hgetall = await run(REDIS_CLI, [...where, '-3', 'HGETALL', 'h'], { env: auth });
  t.match(hgetall.stdout, /f\n?.*v/s);
  // a pipe of inline commands, the password inline too
  const piped = await run(REDIS_CLI, [...where, '--pipe'], {
    input: `AUTH ${CANARY}\r\nPING\r\nSET a 1\r\nINCR a\r\nGET a\r\n`,
  });
  t.match(piped.stdout, /errors: 0, replies: 5/);

  // ioredis: pipeline, multi/exec, pub/sub
  const opts = { host: '127.0.0.1', port: relay.port, password: CANARY, lazyConnect: true };
  const pub = new Redis(opts);
  const sub = new Redis(opts);
  t.teardown(() => {
    pub.disconnect();
    sub.disconnect();
  });
  await pub.connect();
  await sub.connect();
  const pipe = await pub.pipeline().set('p1', 'x').get('p1').incr('n').exec();
  t.same(
    pipe?.map(([err, v]) => [err, v]),
    [
      [null, 'OK'],
      [null, 'x'],
      [null, 1],
    ],
  );
  const multi = await pub.multi().set('m', '1').incr('m').exec();
  t.same(
    multi?.map(([, v]) => v),
    ['OK', 2],
  );
  await sub.subscribe('news', 'other');
  const got = new Promise<string>((resolve) =>
    sub.on('message', (_ch, msg: string) => resolve(msg)),
  );
  await pub.publish('news', 'hi there');
  t.equal(await got, 'hi there');
  await sub.quit();
  await pub.quit();

  // redis-benchmark with 16 commands in flight per connection
  const bench = await run(
    'timeout',
    [
      '60',
      REDIS_BENCHMARK,
      ...where,
      '-a',
      CANARY,
      '-n',
      '2000',
      '-P',
      '16',
      '-q',
      '-t',
      'set,get',
    ],
    { timeout: 70_000 },
  );
  t.equal(bench.code, 0, 'redis-benchmark finished');
  t.match(bench.stdout, /SET: .*requests per second/);
  t.comment(
    bench.stdout
      .replace(/\r/g, '\n')
      .split('\n')
      .filter((l) => /per second/.test(l))
      .join('; '),
  );

  await relay.close(500);
  closed = true;

  const errors = mem.ofType('error');
  t.same(
    errors.map((e) => e.message),
    [],
    'no error events (no decoder fallback)',
  );
  const msgs = mem.messages('redis');
  const byConn = new Map<number, MessageEvent[]>();
  for (const m of msgs) byConn.set(m.conn, [...(byConn.get(m.conn) ?? []), m]);
  const conns = [...byConn.values()];
  t.ok(
    mem.messages().every((m) => m.protocol === 'redis'),
    'every connection detected as redis',
  );

  const set = conns[0]!.map(line);
  t.same(set, [
    'client command AUTH [redacted]',
    'server reply OK',
    'client command SET k "hello world"',
    'server reply OK',
  ]);
  t.same(conns[1]!.map(line).slice(2), ['client command GET k', 'server reply "hello world"']);
  const resp3 = conns[3]!;
  t.ok(
    resp3.some((m) => m.name === 'reply' && m.fields.summary === 'map(1)'),
    'HGETALL in RESP3 is a map',
  );
  t.ok(
    resp3.some((m) => m.fields.request === 'HELLO' && m.fields.proto === 3),
    'HELLO 3 tracked',
  );
  t.same(conns[4]!.map(line).slice(0, 5), [
    'client command AUTH [redacted]',
    'client command PING',
    'client command SET a 1',
    'client command INCR a',
    'client command GET a',
  ]);
  t.ok(conns[4]!.some((m) => m.fields.summary === '(integer) 2'));

  const io = conns.slice(5, 7).flat().map(line);
  for (const want of [
    'client command SET p1 x',
    'server reply "x"',
    'client command MULTI',
    'server reply QUEUED',
    'server reply array(2)',
    'client command SUBSCRIBE news other',
    'server push message news "hi there"',
    'client command PUBLISH news "hi there"',
  ]) {
    t.ok(io.includes(want), `ioredis: ${want}`);
  }
  const subReplies = conns
    .slice(5, 7)
    .flat()
    .filter((m) => m.fields.request === 'SUBSCRIBE');
  t.equal(subReplies.length, 2, 'one reply per channel');

  const bench3 = conns.slice(7);
  const benchMsgs = bench3.flat();
  const replies = benchMsgs.filter((m) => m.name === 'reply');
  t.ok(replies.length >= 4000, `redis-benchmark: ${replies.length} replies decoded`);
  t.ok(
    replies.every((m) => typeof m.latencyMs === 'number'),
    'every benchmark reply paired with its command',
  );
  t.ok(replies.filter((m) => m.fields.request === 'GET').length >= 2000);

  const withLatency = msgs.filter((m) => m.name === 'reply' && typeof m.latencyMs === 'number');
  t.ok(withLatency.length > 0);

  const capture = readFileSync(capPath, 'utf8');
  for (const form of secretForms(CANARY)) {
    t.notOk(capture.includes(form), `capture file has no ${form}`);
  }
  t.ok(capture.includes('"redacted":'), 'data events note redacted bytes');
});
