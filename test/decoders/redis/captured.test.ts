// The Redis decoder on real redis-cli sessions (test/fixtures/redis/redis-cli.jsonl, copied from
// the shared wire samples): AUTH, PING, HELLO 3, HELLO 3 AUTH ... SETNAME, an inline pipeline,
// a RESP pipeline ending in QUIT, pub/sub in RESP2 and RESP3, HGETALL maps. Each connection is fed
// as captured, one byte at a time, split at every point and at random: same messages every time.

import t from 'tap';
import { redis } from '../../../src/decoders/redis/index.js';
import { applyMasks, byConn, feed, loadWireSample, secretForms } from '../../helpers/feed.js';
import { sameWhateverTheSplits } from '../../helpers/redis-frames.js';

const FIXTURE = new URL('../../fixtures/redis/redis-cli.jsonl', import.meta.url).pathname;
const chunks = loadWireSample(FIXTURE);
const conns = byConn(chunks);
const SECRET = 'redsecret'; // the throwaway password in the capture

const lines = (id: number): string[] =>
  feed(redis, conns.get(id)!).messages.map((m) => `${m.from} ${m.name} ${m.summary}`);

t.test('every connection decodes the same whatever the chunking', async (t) => {
  for (const [id, list] of conns) {
    await t.test(`connection ${id}`, (t) => {
      const ref = sameWhateverTheSplits(t, redis, list);
      t.equal(ref.fallback, undefined, 'no fallback');
      t.ok(ref.messages.length > 0, 'messages');
      t.end();
    });
  }
});

t.test('AUTH + PING (redis-cli -a)', (t) => {
  t.same(lines(1), [
    'client command AUTH [redacted]',
    'server reply OK',
    'client command PING',
    'server reply PONG',
  ]);
  const msgs = feed(redis, conns.get(1)!).messages;
  t.same(msgs[0]!.fields, { command: ['AUTH', '[redacted]'] });
  t.same(msgs[1]!.fields, { reply: 'OK', request: 'AUTH' });
  t.equal(msgs[1]!.latencyMs, 2, 'latency from the command to the reply');
  t.end();
});

t.test('HELLO 3: RESP3 map; NOAUTH error; HELLO 3 AUTH user pw SETNAME', (t) => {
  const two = feed(redis, conns.get(2)!).messages;
  t.equal(two[3]!.summary, 'map(7)');
  t.match(two[3]!.fields, { reply: { server: 'redis', proto: 3, modules: [] }, proto: 3 });
  const three = feed(redis, conns.get(3)!).messages;
  t.equal(three[1]!.level, 40, 'error reply is a warning');
  t.match(three[1]!.fields, { error: { code: 'NOAUTH', message: /^NOAUTH HELLO must be/ } });
  t.same(three[2]!.fields.command, [
    'hello',
    '3',
    'AUTH',
    'default',
    '[redacted]',
    'SETNAME',
    'tapclient',
  ]);
  t.equal(three[2]!.summary, 'HELLO 3 AUTH default [redacted] SETNAME tapclient');
  t.end();
});

t.test('inline pipeline and RESP pipeline ending in QUIT', (t) => {
  t.same(lines(4), [
    'client command AUTH [redacted]',
    'client command PING',
    'client command SET k hello',
    'client command GET k',
    'server reply OK',
    'server reply PONG',
    'server reply OK',
    'server reply "hello"',
  ]);
  const replies = feed(redis, conns.get(5)!).messages.filter((m) => m.name === 'reply');
  t.same(
    replies.map((m) => m.fields.request),
    ['AUTH', 'SET', 'PING', 'GET', 'QUIT'],
    'replies paired in order',
  );
  t.end();
});

t.test('pub/sub: RESP2 confirmation is a reply, messages are pushes; RESP3 all pushes', (t) => {
  t.same(lines(6), [
    'client command AUTH [redacted]',
    'server reply OK',
    'client command SUBSCRIBE news',
    'server reply array(3)',
    'server push message news "hi there"',
  ]);
  t.same(lines(8).slice(2), [
    'client command HELLO 3',
    'server reply map(7)',
    'client command SUBSCRIBE news',
    'server push subscribe news 1',
    'server push message news hi3',
  ]);
  t.same(lines(12).slice(-2), ['client command HGETALL h', 'server reply map(1)']);
  t.same(feed(redis, conns.get(12)!).messages.at(-1)!.fields.reply, { f: 'v' });
  t.end();
});

t.test('the password is in no message and masked in the raw bytes', (t) => {
  for (const [id, list] of conns) {
    const r = feed(redis, list);
    const text = JSON.stringify(r.messages);
    const masked = applyMasks(list, r.masks);
    const raw = masked.client.toString('latin1') + masked.server.toString('latin1');
    for (const form of secretForms(SECRET)) {
      t.notOk(text.includes(form), `conn ${id}: not in messages (${form})`);
      t.notOk(raw.includes(form), `conn ${id}: not in masked bytes (${form})`);
    }
    const open = feed(redis, list, undefined, { redact: false });
    if (list.some((c) => c.bytes.includes(SECRET))) {
      t.ok(JSON.stringify(open.messages).includes(SECRET), `conn ${id}: visible with redact=false`);
      t.same(open.masks, [], 'no masks with redact=false');
    }
  }
  t.end();
});

t.test('sniff', (t) => {
  const s = (head: string, from: 'client' | 'server' = 'client') =>
    redis.sniff(from, Buffer.from(head, 'latin1'));
  t.equal(s('*2\r\n$4\r\nAUTH'), 'yes');
  t.equal(s('*'), 'more');
  t.equal(s('*12'), 'more');
  t.equal(s('*2\r\n'), 'more');
  t.equal(s('*2\r\n*'), 'no');
  t.equal(s('*x'), 'no');
  t.equal(s('PING\r\n'), 'yes');
  t.equal(s('ping\n'), 'yes');
  t.equal(s('AUTH redsecret\r\nPING\r\n'), 'yes');
  t.equal(s('GET k\r\n'), 'yes');
  t.equal(s('GET / HTTP/1.1\r\nHost: x\r\n\r\n'), 'no', 'HTTP request line is not Redis');
  t.equal(s('GET /index.html HTTP/1.0\n'), 'no');
  t.equal(s('GET / HT'), 'more', 'waits for the whole first line');
  t.equal(s('PIN'), 'more');
  t.equal(s('HEAD / HTTP/1.1\r\n'), 'no');
  t.equal(s('POST /x HTTP/1.1\r\n'), 'no');
  t.equal(s('NOSUCH x\r\n'), 'no');
  t.equal(s('\x16\x03\x01\x02\x00'), 'no', 'TLS');
  t.equal(s('\x00\x00\x00\x08\x04\xd2\x16\x2f'), 'no', 'PG SSLRequest');
  t.equal(s('+OK\r\n', 'server'), 'no', 'servers do not speak first');
  t.equal(s(''), 'more');
  for (const [id, list] of conns) {
    const first = list[0]!;
    t.equal(redis.sniff(first.from, first.bytes), 'yes', `captured connection ${id}`);
  }
  t.end();
});
