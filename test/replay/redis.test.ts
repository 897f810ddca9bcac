// Redis replay against a real redis-server with a password: redis-cli sessions captured
// through the relay (AUTH redacted), replayed with REDISCLI_AUTH (exit 0), then after the data
// changed (exit 1, the changed reply shown). Without a password: each AUTH listed, exit 2, no
// connection.

import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { capture, jsonLines, looptap, tempDir } from './helpers.js';
import { need } from '../helpers/real-servers.js';
import { REDIS_CLI, REDIS_SERVER, redisCli, startRedisServer } from '../helpers/redis-server.js';

const PASSWORD = 'redis_REPLAYCANARY_33';

const cli = (port: number, args: string[], input?: string): Promise<string> =>
  redisCli(port, PASSWORD, args, input);

t.test('redis-cli sessions replay against redis-server', async (t) => {
  if (!need(t, REDIS_SERVER, 'redis-server') || !need(t, REDIS_CLI, 'redis-tools')) return;
  const dir = tempDir(t, 'looptap-replay-redis-');
  const { port } = await startRedisServer(t, PASSWORD);
  await cli(port, ['SET', 'stock', '5']);
  await cli(port, ['RPUSH', 'queue', 'a', 'b']);
  const clients = async (): Promise<number> =>
    (await cli(port, ['CLIENT', 'LIST'])).trim().split('\n').length;

  const file = await capture(join(dir, 'redis.jsonl'), String(port), async (p) => {
    await cli(p, ['GET', 'stock']);
    await cli(p, [], 'LRANGE queue 0 -1\nINCR counter\nGET nope\nHGET stock x\n');
  });
  t.notOk(readFileSync(file, 'utf8').includes(PASSWORD), 'the capture holds no password');

  const base = await clients();
  const noAuth = await looptap(['replay', file, '--target', String(port)], {
    REDISCLI_AUTH: undefined,
  });
  t.equal(noAuth.code, 2);
  t.match(
    noAuth.err,
    /^conn 1 #1 AUTH \[redacted\]: redacted; set REDISCLI_AUTH, pass --password/m,
  );
  t.match(noAuth.err, /^conn 2 #1 AUTH \[redacted\]/m);
  t.match(noAuth.err, /2 requests carry a value the capture redacted.*nothing was sent/);
  t.equal(await clients(), base, 'nothing connected');

  await cli(port, ['SET', 'counter', '0']);
  const same = await looptap(['replay', file, '--target', String(port)], {
    REDISCLI_AUTH: PASSWORD,
  });
  t.equal(same.code, 0, same.out + same.err);
  t.match(same.out, /replayed 2 connections, 8 requests: 8 same, 0 different/);

  await cli(port, ['SET', 'stock', '4']);
  await cli(port, ['SET', 'counter', '0']);
  const diff = await looptap(
    ['replay', file, '--target', String(port), '--json', '--password', PASSWORD],
    {
      REDISCLI_AUTH: undefined,
    },
  );
  t.equal(diff.code, 1, diff.out + diff.err);
  const rows = jsonLines(diff.out);
  t.match(
    rows.find((r) => r.request === 'GET stock'),
    { same: false, diffs: ['$: "5" -> "4"'] },
  );
  t.match(
    rows.find((r) => r.request === 'HGET stock x'),
    { same: true },
    'the same WRONGTYPE error',
  );
  t.match(
    rows.find((r) => r.request === 'AUTH [redacted]'),
    { same: true },
  );
  t.notOk(diff.out.includes(PASSWORD), 'the password is not printed');
  t.match(rows.at(-1), { type: 'summary', different: 1 });
});
