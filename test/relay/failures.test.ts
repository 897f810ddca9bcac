// A3, A5, A6, A12 (research/reliability.md): a dead target closes the client at once with an
// error event naming target and cause; a reset on one side reaches the other side as a reset
// (never as a clean EOF that makes a truncated reply look complete); a clean close stays clean;
// an upstream that accepts and stays silent is not timed out.

import t, { type Test } from 'tap';
import net from 'node:net';
import { once } from 'node:events';
import { MemorySink, startRelay } from '../../src/index.js';
import {
  connect,
  deadPort,
  hashUntilEnd,
  MiB,
  outcome,
  payload,
  sha256,
  startBlackhole,
  startEcho,
  startServer,
} from '../helpers/net.js';

async function relayTo(t: Test, target: string, connectTimeoutMs?: number) {
  const mem = new MemorySink();
  const relay = await startRelay({ target, decode: 'raw', sinks: [mem], connectTimeoutMs });
  t.teardown(() => relay.close(0));
  return { relay, mem };
}

/** a server that streams seeded data until the peer goes away (bounded at 1 GiB) */
function streamer(s: net.Socket, onBytes?: (n: number) => void): void {
  const block = payload(5, MiB);
  let sent = 0;
  const pump = (): void => {
    while (!s.destroyed && sent < 1024 * MiB) {
      sent += block.length;
      onBytes?.(sent);
      if (s.destroyed) return;
      if (!s.write(block)) return void s.once('drain', pump);
    }
  };
  pump();
}

t.test('A3 dead target: client closed at once, error names target and cause', async (t) => {
  const port = await deadPort();
  const { relay, mem } = await relayTo(t, String(port));
  const started = Date.now();
  const c = await connect(relay.port);
  const how = await outcome(c);
  const ms = Date.now() - started;
  t.ok(ms < 1000, `client closed in ${ms} ms`);
  t.not(how, 'end', `the client did not get a clean end that hides the failure (${how})`);
  const err = mem.ofType('error')[0];
  t.match(err, {
    code: 'ECONNREFUSED',
    conn: 1,
    message: new RegExp(`127\\.0\\.0\\.1:${port}.*refused`),
  });
  t.match(mem.ofType('close')[0], { reason: 'connect_failed', conn: 1 });
  t.comment(`A3: closed in ${ms} ms`);

  // the same relay works as soon as something listens there
  await startEcho(t, port);
  const c2 = await connect(relay.port);
  const got = hashUntilEnd(c2);
  c2.end('ping');
  t.equal((await got).sha, sha256(Buffer.from('ping')), 'later connections are served');
});

t.test('A5a server closes cleanly mid-stream: client gets every byte, then EOF', async (t) => {
  const block = payload(21, 3 * MiB);
  const server = await startServer(t, (s) => {
    // wait until the bytes are with the kernel, then close: a FIN, not a reset
    s.write(block, () => s.destroy());
  });
  const { relay, mem } = await relayTo(t, server.address);
  const c = await connect(relay.port);
  const got = await hashUntilEnd(c);
  t.equal(got.sha, sha256(block), 'every byte, then a clean end');
  c.end();
  t.match(await mem.waitFor((e) => e.type === 'close'), { reason: 'server_fin' });
});

t.test('A5b server resets mid-stream: the client sees ECONNRESET (5 times)', async (t) => {
  // libuv may report a reset as EOF depending on timing; repeat so that a relay that forwards
  // it as a FIN is caught (it was, every time, before connection.ts probed on 'end')
  const server = await startServer(t, (s) =>
    streamer(s, (n) => {
      if (n >= 8 * MiB) s.resetAndDestroy();
    }),
  );
  const { relay, mem } = await relayTo(t, server.address);
  for (let i = 1; i <= 5; i++) {
    const c = await connect(relay.port);
    let got = 0;
    c.on('data', (d: Buffer) => (got += d.length));
    const how = await outcome(c);
    t.equal(how, 'ECONNRESET', `#${i}: a reset after ${got} bytes, not a clean end`);
    const close = await mem.waitFor((e) => e.type === 'close' && e.conn === i);
    t.match(close, { reason: 'server_reset' });
  }
  t.equal(mem.ofType('error').length, 0, 'a peer reset is not reported as a looptap error');
  t.equal(mem.ofType('end').length, 0, 'no FIN was invented');
});

t.test('A6 client resets mid-download: the server sees a reset, promptly', async (t) => {
  let serverOutcome: Promise<string> | undefined;
  const server = await startServer(t, (s) => {
    serverOutcome = outcome(s);
    streamer(s);
  });
  const { relay, mem } = await relayTo(t, server.address);
  const c = await connect(relay.port);
  let got = 0;
  await new Promise<void>((resolve) =>
    c.on('data', (d: Buffer) => {
      got += d.length;
      if (got >= 16 * MiB && !c.destroyed) {
        c.resetAndDestroy();
        resolve();
      }
    }),
  );
  c.on('error', () => undefined);
  const started = Date.now();
  const how = await serverOutcome!;
  const ms = Date.now() - started;
  t.ok(how === 'ECONNRESET' || how === 'EPIPE', `the server saw ${how}, not a clean end`);
  t.ok(ms < 1000, `upstream closed ${ms} ms after the client reset`);
  t.match(await mem.waitFor((e) => e.type === 'close'), { reason: 'client_reset' });
  t.equal(relay.connections, 0);
  t.comment(`A6: upstream closed ${ms} ms after the client reset`);
});

t.test('A12 silent upstream: connected, no idle timeout; connect timeout only', async (t) => {
  const hole = await startBlackhole(t);
  const { relay, mem } = await relayTo(t, hole.address, 300);
  const c = await connect(relay.port);
  c.on('error', () => undefined);
  c.write('is anyone there?');
  await new Promise((r) => setTimeout(r, 1200));
  t.notOk(c.destroyed, 'still open long after the connect timeout: no idle timeout');
  t.equal(mem.ofType('error').length, 0);
  t.equal(relay.connections, 1);
  c.destroy();
  await once(c, 'close');
});
