// Redis exchanges through the real relay against a real redis-server: redis-cli in RESP2 and
// RESP3 (the reply text matches what redis-cli itself printed), ioredis with a pipeline, a
// MULTI/EXEC and pub/sub. Each exchange event carries conn, id, the command, the rendered reply,
// and the password appears nowhere.

import t from 'tap';
import { execFile } from 'node:child_process';
import { Redis } from 'ioredis';
import { MemorySink, startRelay } from '../../../src/index.js';
import type { ExchangeEvent } from '../../../src/events.js';
import { need } from '../../helpers/real-servers.js';
import { REDIS_CLI, REDIS_SERVER, startRedisServer } from '../../helpers/redis-server.js';

const CANARY = 'ExchangeCanary-redis-71f3';

function cli(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      REDIS_CLI,
      args,
      { env: { ...process.env, REDISCLI_AUTH: CANARY }, timeout: 10_000 },
      (err, out) => (err ? reject(new Error(err.message)) : resolve(out)),
    );
  });
}

t.test('redis-cli and ioredis exchanges', async (t) => {
  if (!need(t, REDIS_SERVER, 'redis-server') || !need(t, REDIS_CLI, 'redis-tools')) return;
  const server = await startRedisServer(t, CANARY);
  const mem = new MemorySink();
  const relay = await startRelay({ target: `127.0.0.1:${server.port}`, sinks: [mem] });
  let closed = false;
  t.teardown(async () => {
    if (!closed) await relay.close(100);
  });
  const where = ['-h', '127.0.0.1', '-p', String(relay.port)];
  const exchanges = (): ExchangeEvent[] => mem.ofType('exchange');
  const last = async (text: string): Promise<ExchangeEvent> =>
    (await mem.waitFor((e) => e.type === 'exchange' && e.request.text === text)) as ExchangeEvent;

  // redis-cli's own rendering (--no-raw: as on a terminal) is what the exchange holds
  await cli([...where, 'RPUSH', 'l', 'a', 'b c']);
  for (const [proto, args] of [
    ['-2', ['LRANGE', 'l', '0', '-1']],
    ['-3', ['HELLO', '3']],
    ['-2', ['GET', 'nosuch']],
    ['-2', ['INCR', 'l']],
  ] as const) {
    const printed = (await cli([...where, proto, '--no-raw', ...args])).replace(/\n$/, '');
    const x = await last(args.join(' ').replace('b c', '"b c"'));
    t.equal(x.response?.reply, printed, `${proto} ${args.join(' ')}: as redis-cli printed it`);
    t.equal(x.protocol, 'redis');
  }
  t.match(await last('INCR l'), {
    level: 40,
    response: { error: { code: 'WRONGTYPE', message: /^WRONGTYPE / } },
  });

  const opts = { host: '127.0.0.1', port: relay.port, password: CANARY, lazyConnect: true };
  const pub = new Redis(opts);
  const sub = new Redis(opts);
  t.teardown(() => {
    pub.disconnect();
    sub.disconnect();
  });
  await pub.connect();
  await sub.connect();
  await pub.pipeline().set('p1', 'x').get('p1').incr('n').exec();
  t.match(await last('GET p1'), {
    request: { command: ['get', 'p1'] },
    response: { reply: '"x"' },
  });
  t.match(await last('INCR n'), { response: { reply: '(integer) 1', text: '(integer) 1' } });
  await pub.multi().set('m', '1').incr('m').exec();
  const exec = await last('EXEC');
  t.equal(exec.response?.reply, '1) OK\n2) (integer) 2');
  t.equal(exec.txn, 'idle');
  t.match(await last('INCR m'), { response: { reply: 'QUEUED' }, txn: 'in' });
  await sub.subscribe('news');
  const got = new Promise<string>((resolve) => sub.on('message', (_c, m: string) => resolve(m)));
  await pub.publish('news', 'hi there');
  t.equal(await got, 'hi there');
  const push = (await mem.waitFor(
    (e) => e.type === 'exchange' && e.request.kind === 'push',
  )) as ExchangeEvent;
  t.equal(push.request.text, 'message news "hi there"');
  t.equal(push.response?.reply, '1) "message"\n2) "news"\n3) "hi there"');
  t.equal(push.conn, (await last('SUBSCRIBE news')).conn, 'on the subscriber connection');
  await sub.quit();
  await pub.quit();
  await relay.close(3000);
  closed = true;

  const all = exchanges();
  const ids = all.map((x) => x.id);
  t.same(
    ids,
    [...ids].sort((a, b) => a - b),
    'ids increase',
  );
  t.equal(new Set(ids).size, ids.length, 'ids are unique');
  t.ok(
    all.every((x) => typeof x.request.text === 'string' && x.fingerprint),
    'text, fingerprint',
  );
  t.notOk(
    JSON.stringify(mem.events, (_k, v: unknown) => v).includes(CANARY),
    'no password in any decoded field',
  );
  t.ok(
    all.filter((x) => x.request.text === 'AUTH [redacted]').length >= 6,
    'every login is an exchange, its password masked',
  );
});
