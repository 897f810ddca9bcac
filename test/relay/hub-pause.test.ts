// Capture backpressure (docs/architecture.md "Backpressure"): while a sink asks the hub to wait,
// no socket is read, including a connection accepted during the wait. Before the fix in
// tcp-relay.ts/connection.ts, a new connection was resumed unconditionally and read freely.

import t from 'tap';
import { startRelay } from '../../src/index.js';
import type { Sink } from '../../src/index.js';
import { connect, hashUntilEnd, MiB, payload, sha256, startServer } from '../helpers/net.js';

/** a sink that asks for backpressure until released */
class StuckSink implements Sink {
  readonly name = 'stuck sink';
  stuck = true;
  private drain?: () => void;
  write(): boolean {
    return !this.stuck;
  }
  onDrain(fn: () => void): void {
    this.drain = fn;
  }
  release(): void {
    this.stuck = false;
    this.drain?.();
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

t.test('a connection accepted while the hub waits is not read until it drains', async (t) => {
  let received = 0;
  let done: Promise<{ sha: string; bytes: number }> | undefined;
  const server = await startServer(t, (s) => {
    s.on('data', (d: Buffer) => (received += d.length));
    done = hashUntilEnd(s);
  });
  const sink = new StuckSink();
  // the `listening` event already makes the stuck sink block the hub
  const relay = await startRelay({ target: server.address, decode: 'raw', sinks: [sink] });
  t.teardown(() => relay.close(0));
  t.ok(relay.hub.paused, 'the hub is holding back');

  const data = payload(77, 8 * MiB);
  const c = await connect(relay.port);
  c.on('error', () => undefined);
  c.end(data);
  await new Promise((r) => setTimeout(r, 500));
  t.ok(received < 1 * MiB, `only ${received} bytes passed while the hub held back`);

  sink.release();
  const r = await done!;
  t.equal(r.sha, sha256(data), 'everything passes once the sink drains');
});
