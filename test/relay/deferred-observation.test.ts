// Observation on demand (src/relay/deferred-observation.ts), which the test-suite API's relay
// uses: nothing is observed until a read settles the queue, the events then come out exactly in
// the order they were taken, the queue is bounded, it goes live for good once the hub has
// another consumer, and forwarding never waits for any of it.

import t from 'tap';
import net from 'node:net';
import { ObservationQueue } from '../../src/relay/deferred-observation.js';
import type { Observing } from '../../src/relay/observer.js';
import type { CaptureEvent } from '../../src/events.js';
import { startRelay } from '../../src/index.js';
import { connect, startEcho } from '../helpers/net.js';

function recorder(): { o: Observing; calls: string[] } {
  const calls: string[] = [];
  const o: Observing = {
    data: (from, chunk, time) => void calls.push(`data ${from} ${chunk.length} @${time}`),
    end: (from) => void calls.push(`end ${from}`),
    close: () => void calls.push('close'),
  };
  return { o, calls };
}

const ev = (msg: string): CaptureEvent => ({
  type: 'error',
  time: 1,
  level: 50,
  msg,
  code: 'X',
  message: msg,
});

t.test('nothing runs until a flush, then everything in the order it came', async (t) => {
  const { o, calls } = recorder();
  const q = new ObservationQueue(
    (e) => void calls.push(`emit ${e.msg}`),
    () => false,
  );
  const obs = q.observer(o);
  q.emit(ev('open'));
  obs.data('client', Buffer.alloc(3), 10);
  obs.data('server', Buffer.alloc(5), 11);
  obs.end('client', 12);
  obs.close();
  q.emit(ev('closed'));
  t.same(calls, [], 'held');
  q.flush();
  t.same(calls, [
    'emit open',
    'data client 3 @10',
    'data server 5 @11',
    'end client',
    'close',
    'emit closed',
  ]);
  q.flush();
  t.equal(calls.length, 6, 'a second flush runs nothing twice');
});

t.test('bounded: past 4 MiB of held chunks it runs without being asked', async (t) => {
  const { o, calls } = recorder();
  const q = new ObservationQueue(
    () => undefined,
    () => false,
  );
  const obs = q.observer(o);
  for (let i = 0; i < 4; i++) obs.data('client', Buffer.alloc(1024 * 1024), i);
  t.equal(calls.length, 0, 'exactly 4 MiB is still held');
  obs.data('client', Buffer.alloc(1), 4);
  t.equal(calls.length, 5, 'one byte more and all of it ran');
  for (let i = 0; i < 9000; i++) obs.end('client', i);
  t.ok(calls.length > 5 && calls.length <= 5 + 9000, 'a count bound too');
  t.ok(calls.length - 5 >= 8192, 'the calls ran once past 8,192');
});

t.test('once live, what was held runs first, then every call at once', async (t) => {
  const { o, calls } = recorder();
  let live = false;
  const q = new ObservationQueue(
    (e) => void calls.push(`emit ${e.msg}`),
    () => live,
  );
  const obs = q.observer(o);
  obs.data('client', Buffer.alloc(1), 1);
  live = true;
  q.emit(ev('now'));
  t.same(calls, ['data client 1 @1', 'emit now']);
  obs.end('server', 2);
  t.same(calls.at(-1), 'end server', 'no flush needed any more');
});

t.test('a call that throws loses no other; the reader gets the error', async (t) => {
  const { o, calls } = recorder();
  const q = new ObservationQueue(
    (e) => {
      if (e.msg === 'bad') throw new Error('sink bug');
      calls.push(`emit ${e.msg}`);
    },
    () => false,
  );
  q.emit(ev('a'));
  q.emit(ev('bad'));
  q.observer(o).close();
  t.throws(() => q.flush(), /sink bug/);
  t.same(calls, ['emit a', 'close']);
  q.flush();
  t.same(calls, ['emit a', 'close'], 'and nothing runs twice');
});

/** one RESP command through the relay, resolved once the echo's copy is back at the client */
function roundTrip(c: net.Socket, cmd: string): Promise<void> {
  const wire = Buffer.from(`*1\r\n$${cmd.length}\r\n${cmd}\r\n`);
  return new Promise((resolve) => {
    let got = 0;
    const on = (d: Buffer): void => {
      got += d.length;
      if (got >= wire.length) {
        c.off('data', on);
        resolve();
      }
    };
    c.on('data', on);
    c.write(wire);
  });
}

t.test('the API relay: a listener added later gets the held events, then live', async (t) => {
  const echo = await startEcho(t);
  const relay = await startRelay({ target: echo.address });
  t.teardown(() => relay.close(0));
  const c = await connect(relay.port);
  t.teardown(() => c.destroy());
  await roundTrip(c, 'PING');

  const seen: CaptureEvent[] = [];
  relay.hub.on((e) => seen.push(e), { frames: false });
  await roundTrip(c, 'ECHO');
  // the client has its answer: a live listener has the exchange by now, with no read of the log
  const xs = seen.filter((e) => e.type === 'exchange');
  t.same(
    xs.map((e) => e.type === 'exchange' && e.request.command?.[0]),
    ['PING', 'ECHO'],
    'the held exchange first, then the live one',
  );
  const order = seen.filter((e) => 'conn' in e && e.conn === 1).map((e) => e.type);
  t.equal(order[0], 'open', 'the connection opens before its data');
  const seqs = seen.flatMap((e) => (e.type === 'data' && e.from === 'client' ? [e.seq] : []));
  t.same(seqs, [0, 1], 'the client chunks in order');
  t.equal(relay.exchanges().length, 2, 'and the log has both');
});

t.test('the API relay with a sink of its own observes live, as the CLI does', async (t) => {
  const echo = await startEcho(t);
  const got: CaptureEvent[] = [];
  const relay = await startRelay({
    target: echo.address,
    sinks: [{ name: 'test sink', write: (e) => got.push(e) > 0, close: async () => undefined }],
  });
  t.teardown(() => relay.close(0));
  const c = await connect(relay.port);
  t.teardown(() => c.destroy());
  await roundTrip(c, 'PING');
  t.ok(
    got.some((e) => e.type === 'exchange'),
    'the sink has the exchange before anyone reads the log',
  );
});
