// The Hub (src/capture/hub.ts) on its own, with real sinks: every event reaches every sink and
// listener in order; backpressure pauses once and resumes only when the last blocked sink drains;
// a sink or listener that throws is dropped with one error event and never breaks the others;
// close closes every sink once and stops emitting. The relay side of pausing is
// test/relay/hub-pause.test.ts.

import t from 'tap';
import { Hub, describe, routeEmitter, type Sink } from '../../src/capture/hub.js';
import { MemorySink } from '../../src/capture/memory-sink.js';
import type { CaptureEvent, ErrorEvent } from '../../src/events.js';

const ev = (conn: number): CaptureEvent => ({
  type: 'end',
  time: 1,
  level: 30,
  msg: 'end',
  conn,
  from: 'client',
});

/** a sink that asks for backpressure while `full`, and drains when told */
class GateSink implements Sink {
  readonly seen: CaptureEvent[] = [];
  full = false;
  closes = 0;
  private drain?: () => void;
  constructor(
    readonly name: string,
    private failWith?: Error,
    private closeWith?: Error,
  ) {}
  write(e: CaptureEvent): boolean {
    if (this.failWith) throw this.failWith;
    this.seen.push(e);
    return !this.full;
  }
  onDrain(fn: () => void): void {
    this.drain = fn;
  }
  release(): void {
    this.full = false;
    this.drain?.();
  }
  close(): Promise<void> {
    this.closes++;
    return this.closeWith ? Promise.reject(this.closeWith) : Promise.resolve();
  }
}

const conns = (events: CaptureEvent[]): number[] =>
  events.map((e) => (e.type === 'end' ? e.conn : -1));

t.test('fan-out: every sink and listener gets every event, in order', (t) => {
  const a = new MemorySink();
  const b = new MemorySink();
  const hub = new Hub([a]);
  hub.add(b);
  const heard: CaptureEvent[] = [];
  const off = hub.on((e) => heard.push(e));
  for (let i = 1; i <= 3; i++) hub.emit(ev(i));
  off();
  hub.emit(ev(4));
  t.same(conns(a.events), [1, 2, 3, 4]);
  t.same(conns(b.events), [1, 2, 3, 4]);
  t.same(conns(heard), [1, 2, 3], 'an unsubscribed listener hears nothing more');
  t.equal(a.events[0], heard[0], 'the same object, not a copy');
  t.end();
});

t.test('backpressure: one pause, one resume when the last blocked sink drains', (t) => {
  const a = new GateSink('a');
  const b = new GateSink('b');
  const hub = new Hub([a, b]);
  const said: boolean[] = [];
  hub.onPause((p) => said.push(p));
  hub.emit(ev(1));
  t.same(said, [], 'sinks that keep up pause nothing');
  a.full = b.full = true;
  hub.emit(ev(2));
  hub.emit(ev(3));
  t.same(said, [true], 'paused once, however many sinks and events ask');
  t.ok(hub.paused);
  t.same(conns(a.seen), [1, 2, 3], 'a blocked sink still gets what is emitted meanwhile');
  a.release();
  t.same(said, [true], 'still paused while b has not drained');
  a.release();
  t.same(said, [true], 'a drain from a sink that is not blocked changes nothing');
  b.release();
  t.same(said, [true, false]);
  t.notOk(hub.paused);
  t.end();
});

t.test('removing a blocked sink releases its backpressure', (t) => {
  const a = new GateSink('a');
  const hub = new Hub([a]);
  const said: boolean[] = [];
  const off = hub.onPause((p) => said.push(p));
  a.full = true;
  hub.emit(ev(1));
  hub.remove(a);
  t.same(said, [true, false]);
  hub.emit(ev(2));
  t.same(conns(a.seen), [1], 'a removed sink gets nothing more');
  off();
  a.full = true;
  hub.add(a);
  hub.emit(ev(3));
  t.same(said, [true, false], 'an unsubscribed pause listener hears nothing');
  t.end();
});

t.test('a sink that throws is stopped with one error event; the others go on', (t) => {
  const good = new MemorySink();
  const bad = new GateSink(
    'capture file',
    Object.assign(new Error('disk full'), { code: 'ENOSPC' }),
  );
  const hub = new Hub([bad, good]);
  const heard: CaptureEvent[] = [];
  hub.on((e) => heard.push(e));
  hub.emit(ev(1));
  hub.emit(ev(2));
  const errors = good.events.filter((e): e is ErrorEvent => e.type === 'error');
  t.equal(errors.length, 1, 'one error line, not one per event');
  t.equal(errors[0]!.code, 'SINK_FAILED');
  t.match(errors[0]!.message, 'the capture file failed and was stopped: ENOSPC: disk full');
  t.same(conns(good.events.filter((e) => e.type === 'end')), [1, 2], 'no event lost to the rest');
  t.equal(heard.filter((e) => e.type === 'error').length, 1, 'listeners hear the error too');
  t.end();
});

t.test(
  'a listener that throws is removed with one error event; sinks still get everything',
  (t) => {
    const sink = new MemorySink();
    const hub = new Hub([sink]);
    let calls = 0;
    const later: number[] = [];
    hub.on(() => {
      calls++;
      throw new Error('listener bug');
    });
    hub.on((e) => later.push(e.type === 'end' ? e.conn : -1));
    hub.emit(ev(1));
    hub.emit(ev(2));
    t.equal(calls, 1, 'called once, then removed');
    t.same(later, [-1, 1, 2], 'the error is emitted at once: the next listener hears it first');
    const error = sink.events.find((e): e is ErrorEvent => e.type === 'error');
    t.match(error?.message, 'an event listener threw and was removed: listener bug');
    t.same(conns(sink.events), [-1, 1, 2], 'the error reaches the sinks before the event it broke');
    t.end();
  },
);

t.test('close: every sink closed once, even when one fails; nothing emitted after', async (t) => {
  const a = new GateSink('a', undefined, new Error('close failed'));
  const b = new GateSink('b');
  const hub = new Hub([a, b]);
  const said: boolean[] = [];
  hub.onPause((p) => said.push(p));
  const heard: CaptureEvent[] = [];
  hub.on((e) => heard.push(e));
  b.full = true;
  hub.emit(ev(1));
  await hub.close();
  await hub.close();
  t.equal(a.closes, 1, 'a closed once, and its failure did not stop b');
  t.equal(b.closes, 1);
  t.same(said, [true, false], 'closing releases backpressure');
  t.notOk(hub.paused);
  hub.emit(ev(2));
  t.same(conns(b.seen), [1], 'sinks get nothing after close');
  t.same(conns(heard), [1], 'listeners neither');
});

t.test('routeEmitter stamps the route; without one, events pass as they are', (t) => {
  const sink = new MemorySink();
  const hub = new Hub([sink]);
  routeEmitter(hub, 'pg')(ev(1));
  routeEmitter(hub, undefined)(ev(2));
  t.equal(sink.events[0]!.route, 'pg');
  t.notOk('route' in sink.events[1]!);
  t.end();
});

t.test('describe: the code when there is one', (t) => {
  t.equal(describe(Object.assign(new Error('nope'), { code: 'EIO' })), 'EIO: nope');
  t.equal(describe(new Error('plain')), 'plain');
  t.equal(describe('a string'), 'a string');
  t.end();
});
