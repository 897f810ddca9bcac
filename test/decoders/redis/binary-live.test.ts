// Binary values through the real relay against a real redis-server: ioredis sets a Buffer,
// redis-cli sets escapes read from its stdin, and redis-cli itself prints the values back. The
// exchange's request text, the live view's line and the rendered reply quote them as redis-cli
// does, each escape written once; the value the server stored is the bytes the client sent.

import t from 'tap';
import { PassThrough } from 'node:stream';
import { Redis } from 'ioredis';
import { MemorySink, startRelay } from '../../../src/index.js';
import type { ExchangeEvent } from '../../../src/events.js';
import { StreamSink } from '../../../src/view/stream-sink.js';
import { fingerprintReady } from '../../../src/digest/fingerprint.js';
import { need } from '../../helpers/real-servers.js';
import { REDIS_CLI, REDIS_SERVER, redisCli, startRedisServer } from '../../helpers/redis-server.js';

const CANARY = 'BinaryCanary-redis-0d4e';
// 0xff and NUL, a quote and a backslash inside binary, then a letter
const BIN = Buffer.from([0xff, 0x00, 0x22, 0x5c, 0x41]);
const BIN_SHOWN = '"\\xff\\x00\\"\\\\A"';
// plain text with a real backslash and quote
const TEXT = 'a\\b"c';
const TEXT_SHOWN = '"a\\\\b\\"c"';

t.before(fingerprintReady);

t.test('binary and escaped text as redis-cli shows them', async (t) => {
  if (!need(t, REDIS_SERVER, 'redis-server') || !need(t, REDIS_CLI, 'redis-tools')) return;
  const server = await startRedisServer(t, CANARY);
  const mem = new MemorySink();
  const out = new PassThrough();
  let view = '';
  out.setEncoding('utf8').on('data', (c: string) => (view += c));
  const live = new StreamSink(
    out,
    'human',
    { color: false, preview: 16, showData: false, width: 200 },
    { budget: 0 },
  );
  const relay = await startRelay({ target: `127.0.0.1:${server.port}`, sinks: [mem, live] });
  let closed = false;
  t.teardown(async () => {
    if (!closed) await relay.close(100);
  });
  /** the exchange of `verb key`, found by those two words so that a wrong text fails fast */
  const of = async (verbKey: string): Promise<ExchangeEvent> =>
    (await mem.waitFor(
      (e) => e.type === 'exchange' && e.request.text.split(' ', 2).join(' ') === verbKey,
    )) as ExchangeEvent;

  const redis = new Redis({
    host: '127.0.0.1',
    port: relay.port,
    password: CANARY,
    lazyConnect: true,
  });
  t.teardown(() => redis.disconnect());
  await redis.connect();
  await redis.set('bin', BIN);
  await redis.set('txt', TEXT);
  t.ok((await redis.getBuffer('bin'))?.equals(BIN), 'the server holds the bytes sent');
  await redis.quit();
  t.equal((await of('SET bin')).request.text, `SET bin ${BIN_SHOWN}`, 'ioredis: binary');
  t.equal((await of('SET txt')).request.text, `SET txt ${TEXT_SHOWN}`, 'ioredis: plain text');

  // redis-cli reading commands from stdin parses the escapes into the same bytes
  await redisCli(relay.port, CANARY, [], 'SET bin2 "\\xff\\x00\\"\\\\A"\n');
  t.equal((await of('SET bin2')).request.text, `SET bin2 ${BIN_SHOWN}`, 'redis-cli: binary');
  const where = ['--no-raw'];
  for (const key of ['bin', 'bin2', 'txt']) {
    const printed = (await redisCli(relay.port, CANARY, [...where, 'GET', key])).trimEnd();
    t.equal(printed, key === 'txt' ? TEXT_SHOWN : BIN_SHOWN, `redis-cli prints ${key}`);
    const x = await of(`GET ${key}`);
    t.equal(x.response?.reply, printed, `GET ${key}: the reply as redis-cli printed it`);
  }
  await relay.close(3000);
  closed = true;

  const lines = view.split('\n');
  for (const want of [`SET bin ${BIN_SHOWN}`, `SET txt ${TEXT_SHOWN}`, `GET bin -> ${BIN_SHOWN}`])
    t.ok(
      lines.some((l) => l.includes(want)),
      `the live line shows ${want}`,
    );
});
