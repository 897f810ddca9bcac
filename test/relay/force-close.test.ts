// A forced close (looptap stopping, a proxy going down, a fault's reset) at the moment a FIN is
// in flight: end() has asked for the shutdown and it has not completed. Node 20 cannot reset
// such a socket (uv_tcp_close_reset refuses with EINVAL, Node drops the handle unclosed, no
// 'close' ever), which hung `looptap serve` on SIGTERM about 1 run in 4 (src/relay/reset.ts).
// Each case puts the socket in exactly that state, in the same tick, so none depends on timing.

import t from 'tap';
import { once } from 'node:events';
import type { CaptureEvent } from '../../src/events.js';
import { MemorySink, startRelay } from '../../src/index.js';
import { resetOrDestroy } from '../../src/relay/reset.js';
import { connect, outcome, startServer } from '../helpers/net.js';

/** a socket to a server that collects what it receives and how the stream ended */
async function pair(t: Parameters<typeof startServer>[0]) {
  const seen: Array<Promise<{ got: string; how: string }>> = [];
  const server = await startServer(t, (s) => {
    let got = '';
    s.on('data', (d: Buffer) => (got += d.toString()));
    seen.push(outcome(s).then((how) => ({ got, how })));
  });
  const c = await connect(server.port);
  while (seen.length === 0) await once(server.server, 'connection');
  return { c, peer: seen[0]! };
}

t.test('resetOrDestroy with a shutdown in flight: closed as a FIN, after every byte', async (t) => {
  const { c, peer } = await pair(t);
  const errors: string[] = [];
  c.on('error', (e: NodeJS.ErrnoException) => errors.push(`${e.code} ${e.syscall}`));
  c.write('hello');
  c.end();
  t.ok(c.writableEnded && !c.writableFinished, 'the shutdown is in flight');
  const closed = once(c, 'close');
  resetOrDestroy(c);
  await closed;
  t.same(errors, [], 'no EINVAL from a refused reset');
  t.same(await peer, { got: 'hello', how: 'end' }, 'the peer got the bytes, then the FIN');
});

t.test('resetOrDestroy otherwise still resets (the peer sees ECONNRESET)', async (t) => {
  const { c, peer } = await pair(t);
  c.on('error', () => undefined);
  await new Promise<void>((resolve) => c.write('partial', () => resolve()));
  const closed = once(c, 'close');
  resetOrDestroy(c);
  await closed;
  t.match(await peer, { how: 'ECONNRESET' });
});

t.test(
  'relay.close(0) just as a client FIN is carried: one close event, 20 times',
  { timeout: 30_000 },
  async (t) => {
    // the server keeps its side open, so only the forced close can end the connection
    const serverSaw: Array<Promise<string>> = [];
    const arrived: Array<() => void> = [];
    const server = await startServer(t, (s) => {
      serverSaw.push(outcome(s));
      s.once('data', () => arrived.shift()?.());
    });
    for (let i = 0; i < 20; i++) {
      const mem = new MemorySink();
      let closing: Promise<void> | undefined;
      const relay = await startRelay({
        target: server.address,
        decode: 'raw',
        sinks: [
          mem,
          {
            name: 'close on FIN',
            // carryFin emits 'end' just before dst.end(): one tick later the shutdown is in flight
            write: (e: CaptureEvent) => {
              if (e.type === 'end' && e.from === 'client') {
                process.nextTick(() => (closing = relay.close(0)));
              }
              return true;
            },
            close: async () => undefined,
          },
        ],
      });
      const c = await connect(relay.port);
      const how = outcome(c);
      // the FIN comes once the target is reached (before, end() waits for 'connect' instead)
      const reached = new Promise<void>((resolve) => arrived.push(resolve));
      c.write('ping');
      await reached;
      c.end();
      await mem.waitFor((e) => e.type === 'close');
      await closing;
      const closes = mem.events.filter((e) => e.type === 'close');
      t.equal(closes.length, 1, `run ${i}: exactly one close event`);
      t.notOk(
        mem.events.some((e) => e.type === 'error'),
        `run ${i}: no socket error (a refused reset is EINVAL)`,
      );
      t.equal(await serverSaw[i], 'end', `run ${i}: the server got the FIN that was in flight`);
      t.equal(await how, 'ECONNRESET', `run ${i}: the client, still open, is reset`);
    }
  },
);
