// Frames on demand: message events are built only while a sink or listener takes them, exchanges
// never depend on it, and the exit summary counts the frames that were not built.
import t from 'tap';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { Redis } from 'ioredis';
import { startHttpProxy, startRelay } from '../../src/index.js';
import { Hub, type Sink } from '../../src/capture/hub.js';
import { Tally } from '../../src/run/summary.js';
import { StreamSink } from '../../src/view/stream-sink.js';
import { parseFilter } from '../../src/filter/index.js';
import type { CaptureEvent, ExchangeEvent } from '../../src/events.js';
import { haveRedis, startRedisServer } from '../helpers/redis-server.js';
import { ex } from '../helpers/exchanges.js';

const frameless: Sink = {
  name: 'frameless',
  write: () => true,
  close: async () => undefined,
  takesFrames: () => false,
};

t.test('the hub: who takes frames', async (t) => {
  const hub = new Hub([frameless]);
  t.equal(hub.wantsFrames('redis'), false, 'a sink that takes none');
  const offA = hub.on(() => undefined, { frames: false });
  t.equal(hub.wantsFrames('redis'), false, 'a listener that takes none');
  const offB = hub.on(() => undefined);
  t.equal(hub.wantsFrames('redis'), true, 'a listener registered plainly takes frames');
  offB();
  t.equal(hub.wantsFrames('redis'), false, 'and stops taking them when removed');
  const thrower = (): void => {
    throw new Error('boom');
  };
  hub.on(thrower);
  t.equal(hub.wantsFrames('redis'), true);
  hub.emit({ type: 'end', time: 1, level: 30, msg: '', conn: 1, from: 'client' });
  t.equal(hub.wantsFrames('redis'), false, 'a listener dropped for throwing takes none either');
  const broken: Sink = {
    name: 'broken',
    write: () => true,
    close: async () => undefined,
    takesFrames: () => {
      throw new Error('boom');
    },
    framesSkipped: () => {
      throw new Error('boom');
    },
  };
  const alone = new Hub([broken]);
  t.equal(alone.wantsFrames('redis'), true, 'a sink that throws when asked takes frames');
  t.doesNotThrow(() => alone.framesSkipped('redis', 1), 'and a count it fails to take is lost');
  await alone.close();
  offA();
  hub.add({ name: 'capture', write: () => true, close: async () => undefined });
  t.equal(hub.wantsFrames('redis'), true, 'a sink that says nothing takes every frame');
  await hub.close();
});

t.test('the live view takes the frames it shows', async (t) => {
  const make = (mode: 'human' | 'json' | 'quiet', o: object = {}): StreamSink =>
    new StreamSink(new PassThrough(), mode, {
      color: false,
      preview: 16,
      showData: false,
      width: 100,
      ...o,
    });
  const x: ExchangeEvent = ex({ conn: 1, request: { text: 'select 1', sql: 'select 1' } });
  const human = make('human');
  t.equal(human.takesFrames('postgres'), true, 'before the first exchange, frames are shown');
  human.write(x);
  t.equal(human.takesFrames('postgres'), false, 'after it, that protocol speaks in exchanges');
  t.equal(human.takesFrames('redis'), true, 'another protocol still shows its frames');
  const frames = make('human', { frames: true });
  frames.write(x);
  t.equal(frames.takesFrames('postgres'), true, '--frames takes them all');
  t.equal(make('human', { filter: parseFilter('error') }).takesFrames('redis'), false, '--filter');
  t.equal(make('json').takesFrames('postgres'), true, '--json prints every event');
  t.equal(make('quiet').takesFrames('postgres'), false, '--quiet prints none');
  for (const s of [human, frames]) await s.close();
});

t.test('through a real relay: frames follow demand, exchanges do not', async (t) => {
  if (!haveRedis(t)) return;
  const server = await startRedisServer(t, 'pw_FRAMES_1');
  const tally = new Tally();
  const relay = await startRelay({ target: String(server.port), sinks: [tally] });
  t.teardown(() => relay.close(0));
  const seen: CaptureEvent[] = [];
  relay.hub.on((e) => seen.push(e), { frames: false });
  const redis = new Redis({
    host: '127.0.0.1',
    port: relay.port,
    password: 'pw_FRAMES_1',
    lazyConnect: true,
  });
  await redis.connect();
  t.teardown(() => redis.disconnect());
  const round = async (): Promise<void> => {
    await redis.set('k', 'v');
    await redis.get('k');
    await redis.pipeline().get('k').incr('n').exec();
  };
  // only the exchange log and the frameless listener: no message event is built
  await round();
  const messages = (): number => seen.filter((e) => e.type === 'message').length;
  t.equal(messages(), 0, 'no frames built while nobody takes them');
  const skipped = [...tally.messages.values()].reduce((a, b) => a + b, 0);
  t.ok(skipped >= 8, `the summary still counts them (${skipped})`);
  const ours = 'cmd~"^(set k v|get k|incr n)$"';
  t.equal(relay.exchanges(ours).length, 4, 'every command is an exchange');

  // a listener that takes frames: they are built again, for everyone
  const off = relay.hub.on(() => undefined);
  relay.reset();
  seen.length = 0;
  await round();
  t.equal(messages(), 8, 'four commands and four replies as frames');
  t.equal(relay.exchanges(ours).length, 4, 'the same exchanges');
  const total = [...tally.messages.values()].reduce((a, b) => a + b, 0);
  t.equal(total - skipped, 8, 'the summary counts built frames once, as before');
  off();
  seen.length = 0;
  await round();
  t.equal(messages(), 0, 'and none once that listener is gone');
});

t.test('HTTP mode: request and response frames follow demand too', async (t) => {
  const origin = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.end('{"ok":true}'));
  });
  await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r));
  t.teardown(() => origin.close());
  const tally = new Tally();
  const proxy = await startHttpProxy({
    target: String((origin.address() as AddressInfo).port),
    sinks: [tally],
  });
  t.teardown(() => proxy.close(0));
  const seen: CaptureEvent[] = [];
  proxy.hub.on((e) => seen.push(e), { frames: false });
  const get = async (): Promise<void> => {
    const r = await fetch(`http://127.0.0.1:${proxy.port}/users/1`);
    t.equal(await r.text(), '{"ok":true}');
  };
  await get();
  t.equal(seen.filter((e) => e.type === 'message').length, 0, 'no frames built for nobody');
  t.equal(tally.messages.get('http'), 2, 'the summary counts the request and the response');
  t.equal(proxy.exchanges('url~^/users/1$').length, 1, 'the exchange is there');
  const off = proxy.hub.on(() => undefined);
  t.teardown(off);
  await get();
  const names = seen.filter((e) => e.type === 'message').map((e) => e.type === 'message' && e.name);
  t.same(names, ['request', 'response'], 'a listener that takes frames gets both');
  t.equal(tally.messages.get('http'), 4);
});
