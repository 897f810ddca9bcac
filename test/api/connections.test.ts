// connectionSummaries() (and MCP's `connections`, which reads the same log): an open connection
// shows the bytes it has moved (it showed 0 each way until it closed), on both threads; two
// relays on one hub keep their connections apart by route (both numbered 1, they were merged
// into one, with the first's protocol and the second's target). Real redis-server, raw sockets.

import t from 'tap';
import net from 'node:net';
import { once } from 'node:events';
import { Hub, startRelay } from '../../src/index.js';
import { haveRedis, startRedisServer } from '../helpers/redis-server.js';

/** a connection that sends inline commands and reads their answers */
async function client(port: number) {
  const s = net.connect(port, '127.0.0.1');
  await once(s, 'connect');
  let got = '';
  s.on('data', (d: Buffer) => (got += d.toString('latin1')));
  return {
    async send(line: string, answer: string): Promise<void> {
      const want = got.length + answer.length;
      s.write(`${line}\r\n`);
      while (got.length < want) await once(s, 'data');
    },
    async close(): Promise<void> {
      s.end();
      await once(s, 'close');
    },
  };
}

for (const thread of ['main', 'worker'] as const) {
  t.test(`an open connection shows its bytes (thread ${thread})`, async (t) => {
    if (!haveRedis(t)) return;
    const redis = await startRedisServer(t, 'pw_CONNS_1');
    const relay = await startRelay({ target: String(redis.port), thread });
    t.teardown(() => relay.close(0));
    const c = await client(relay.port);
    await c.send('AUTH pw_CONNS_1', '+OK\r\n');
    await c.send('PING', '+PONG\r\n');
    const [open] = relay.connectionSummaries();
    t.equal(open?.reason, undefined, 'still open');
    t.equal(open?.protocol, 'redis');
    t.same(open?.bytes, { client: 23, server: 12 }, 'the bytes so far, each way');
    await c.close();
    await relay.close(1000);
    const [closed] = relay.connectionSummaries();
    t.ok(closed?.reason, 'closed');
    t.same(closed?.bytes, { client: 23, server: 12 }, 'the close event says the same');
  });
}

t.test('two relays on one hub: connection 1 of each route is its own', async (t) => {
  if (!haveRedis(t)) return;
  const redis = await startRedisServer(t, 'pw_CONNS_2');
  const hub = new Hub();
  const a = await startRelay({ target: String(redis.port), hub, route: 'cache' });
  t.teardown(() => a.close(0));
  const b = await startRelay({ target: String(redis.port), hub, route: 'sessions' });
  t.teardown(() => b.close(0));
  const ca = await client(a.port);
  await ca.send('AUTH pw_CONNS_2', '+OK\r\n');
  const cb = await client(b.port);
  await cb.send('AUTH pw_CONNS_2', '+OK\r\n');
  await cb.send('PING', '+PONG\r\n');
  const rows = a
    .connectionSummaries()
    .map((c) => [c.route, c.conn, c.protocol, c.exchanges, c.bytes.client]);
  t.same(
    rows.sort(),
    [
      ['cache', 1, 'redis', 1, 17],
      ['sessions', 1, 'redis', 2, 23],
    ],
    'one row per route and number',
  );
  await ca.close();
  await cb.close();
});
