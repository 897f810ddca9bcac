// A7, A8, A9 (research/reliability.md): a FIN is carried as a FIN after the data before it, in
// either direction, while the other direction keeps flowing (EOF-delimited protocols depend on
// it); and bytes a client writes before the target has even been reached are neither lost nor
// reordered.

import t, { type Test } from 'tap';
import net from 'node:net';
import { once } from 'node:events';
import { MemorySink, startRelay } from '../../src/index.js';
import {
  connect,
  hashUntilEnd,
  MiB,
  payload,
  sha256,
  startServer,
  type TestServer,
} from '../helpers/net.js';

async function relayTo(t: Test, server: TestServer) {
  const mem = new MemorySink();
  const relay = await startRelay({ target: server.address, decode: 'raw', sinks: [mem] });
  t.teardown(() => relay.close(0));
  return { relay, mem };
}

const closed = (mem: MemorySink, conn = 1) =>
  mem.waitFor((e) => e.type === 'close' && e.conn === conn);

t.test('A7 client sends 10 MiB then FIN; the whole reply arrives after it', async (t) => {
  const up = payload(11, 10 * MiB);
  const down = payload(12, 10 * MiB + 5);
  let serverSaw: { sha: string; bytes: number } | undefined;
  const server = await startServer(t, (s) => {
    // EOF-delimited: the reply starts only once the request is complete (FIN seen)
    void hashUntilEnd(s).then((r) => {
      serverSaw = r;
      s.end(down);
    });
  });
  const { relay } = await relayTo(t, server);
  const c = await connect(relay.port);
  const got = hashUntilEnd(c);
  c.end(up);
  const r = await got;
  t.equal(serverSaw?.sha, sha256(up), 'the server saw every client byte, then the FIN');
  t.equal(r.sha, sha256(down), 'the client got the whole reply after its own FIN');
  t.equal(r.bytes, down.length);
});

t.test('A7 events: FIN recorded as end events, close reason client_fin', async (t) => {
  const server = await startServer(t, (s) => {
    s.on('data', () => undefined);
    s.on('end', () => s.end('bye'));
  });
  const { relay, mem } = await relayTo(t, server);
  const c = await connect(relay.port);
  const got = hashUntilEnd(c);
  c.end('hello');
  t.equal((await got).sha, sha256(Buffer.from('bye')));
  const close = await closed(mem);
  const ends = mem.ofType('end').map((e) => e.from);
  t.same(ends, ['client', 'server'], 'each FIN is one end event, client first');
  t.match(close, { reason: 'client_fin', bytes: { client: 5, server: 3 } });
  await t.resolves(
    waitUntil(() => relay.connections === 0),
    'the connection is gone once both FINs passed',
  );
});

t.test('A8 server greets and ends; the client can still send 10 MiB', async (t) => {
  const up = payload(13, 10 * MiB);
  let serverSaw: Promise<{ sha: string; bytes: number }> | undefined;
  const server = await startServer(t, (s) => {
    serverSaw = hashUntilEnd(s);
    s.end('220 greeting, and that is all from me\r\n');
  });
  const { relay, mem } = await relayTo(t, server);
  const c = await connect(relay.port);
  const clientClosed = once(c, 'close');
  const got = hashUntilEnd(c);
  const greeting = await got;
  t.equal(greeting.bytes, 39, 'the client saw the greeting then EOF');
  t.notOk(c.destroyed, 'the client socket is still usable for writing');
  c.end(up);
  const r = await serverSaw!;
  t.equal(r.bytes, up.length, 'all 10 MiB reached the half-closed server');
  t.equal(r.sha, sha256(up));
  const close = await closed(mem);
  t.match(close, { reason: 'server_fin' });
  await clientClosed;
  await t.resolves(waitUntil(() => relay.connections === 0 && server.sockets.size === 0));
});

t.test('A9 bytes written before the target reads (or is reached) keep their order', async (t) => {
  const pieces = Array.from({ length: 200 }, (_, i) => payload(100 + i, 1 + ((i * 997) % 4096)));
  const whole = Buffer.concat(pieces);
  let serverSaw: Promise<{ sha: string; bytes: number }> | undefined;
  const server = await startServer(t, (s) => {
    // a target that accepts, then does not read for 300 ms (a busy or slow-starting server)
    s.pause();
    serverSaw = hashUntilEnd(s);
    void serverSaw.then(() => s.end());
    setTimeout(() => s.resume(), 300);
  });
  const { relay, mem } = await relayTo(t, server);
  // write before our own connect completes, so the relay gets data (and the FIN) while its
  // connection to the target may still be in progress
  const c = net.connect({ host: '127.0.0.1', port: relay.port, allowHalfOpen: true });
  c.on('error', (e) => t.fail(`client error ${e.message}`));
  for (const p of pieces) c.write(p);
  c.end();
  await waitUntil(() => serverSaw !== undefined);
  const r = await serverSaw!;
  t.equal(r.bytes, whole.length, 'nothing lost');
  t.equal(r.sha, sha256(whole), 'nothing reordered');
  c.resume();
  await once(c, 'end');
  c.destroy();
  await closed(mem);
  t.same(
    mem.ofType('end').map((e) => e.from),
    ['client', 'server'],
    'the early FIN came after the data',
  );
});

async function waitUntil(pred: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
