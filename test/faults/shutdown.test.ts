// The serve shutdown hang, reproduced in-process 20 times: a reply_error answers redis-cli, a
// second redis-cli goes through, and the proxy goes down at once (relay.close(0), what SIGTERM
// to `looptap serve` does). The FINs of the last connection may still be in flight; before the
// fix (src/relay/reset.ts) the forced reset was refused (EINVAL), no 'close' came and the stop
// never resolved, about 1 run in 4.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import t from 'tap';
import { Hub } from '../../src/capture/hub.js';
import { MemorySink } from '../../src/capture/memory-sink.js';
import { ProxyCollection } from '../../src/faults/proxies.js';
import { haveRedis, REDIS_CLI, startRedisServer } from '../helpers/redis-server.js';
import { portOf } from './setup.js';

const run = promisify(execFile);
const PW = 'faults-shutdown-pw';

t.test(
  'proxy down right after a faulted connection: it stops, 20 times',
  { timeout: 60_000 },
  async (t) => {
    if (!haveRedis(t)) return;
    const server = await startRedisServer(t, PW);
    const sink = new MemorySink();
    const hub = new Hub([sink]);
    const proxies = new ProxyCollection({ hub, decode: 'auto', redact: true, allowRemote: false });
    t.teardown(async () => {
      await proxies.close();
      await hub.close();
    });
    for (let i = 0; i < 20; i++) {
      const name = `cache${i}`;
      const p = await proxies.create({
        name,
        listen: '127.0.0.1:0',
        upstream: `127.0.0.1:${server.port}`,
      });
      p.toxics.add({
        name: 'ro',
        type: 'reply_error',
        stream: 'upstream',
        attributes: { match: '', count: 1, code: 'READONLY', message: 'read only' },
      });
      const port = String(portOf(p.listen));
      const r = await run(REDIS_CLI, ['-p', port, 'set', 'x', '1']);
      t.match(r.stdout, /READONLY read only/, `run ${i}: the fault answered`);
      const ping = await run(REDIS_CLI, ['-p', port, '-a', PW, '--no-auth-warning', 'ping']);
      t.equal(ping.stdout.trim(), 'PONG', `run ${i}: the next one went through`);
      await proxies.remove(name);
      const mine = sink.events.filter((e) => e.route === name);
      const opens = mine.filter((e) => e.type === 'open').map((e) => e.conn);
      const closes = mine.filter((e) => e.type === 'close').map((e) => e.conn);
      t.same(closes.sort(), opens.sort(), `run ${i}: every connection closed exactly once`);
      t.notOk(
        mine.some((e) => e.type === 'error' && e.code !== 'FAULT'),
        `run ${i}: no socket error (a refused reset is EINVAL)`,
      );
    }
  },
);
