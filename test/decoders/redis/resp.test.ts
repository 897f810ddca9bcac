// Synthetic Redis conversations for what the captures do not hold: every RESP3 type, attributes,
// nested arrays, nulls, inline quoting, pub/sub in RESP2 and RESP3, MULTI/EXEC, MONITOR, CLIENT
// REPLY OFF/SKIP and deep pipelining. Each is also checked at every split point.

import t, { type Test } from 'tap';
import { redis } from '../../../src/decoders/redis/index.js';
import { feed } from '../../helpers/feed.js';
import { cmd, convo, sameWhateverTheSplits } from '../../helpers/redis-frames.js';

const C = 'client' as const;
const S = 'server' as const;

function run(t: Test, ...steps: Parameters<typeof convo>) {
  const chunks = convo(...steps);
  const r = sameWhateverTheSplits(t, redis, chunks);
  t.equal(r.fallback, undefined, 'no fallback');
  t.doesNotThrow(() => JSON.stringify(r.messages));
  return r.messages;
}
const brief = (ms: { from: string; name: string; summary: string }[]) =>
  ms.map((m) => `${m.from} ${m.name} ${m.summary}`);

t.test('RESP3 scalar types and nulls', (t) => {
  const replies: [string, string, unknown][] = [
    ['_\r\n', 'nil', null],
    ['$-1\r\n', 'nil', null],
    ['*-1\r\n', 'nil', null],
    ['#t\r\n', '(true)', true],
    ['#f\r\n', '(false)', false],
    [',3.14\r\n', '(double) 3.14', 3.14],
    [',inf\r\n', '(double) inf', 'inf'],
    [
      '(3492890328409238509324850943850943825024385\r\n',
      '(big number) 3492890328409238509324850943850943825024385',
      '3492890328409238509324850943850943825024385',
    ],
    [':-7\r\n', '(integer) -7', -7],
    [':92233720368547758070\r\n', '(integer) 92233720368547758070', '92233720368547758070'],
    ['=15\r\ntxt:Some string\r\n', '"Some string"', 'Some string'],
    ['$0\r\n\r\n', '""', ''],
    ['$4\r\n\x00\x01ab\r\n', '"\\x00\\x01ab"', '\\x00\\x01ab'],
    ['*0\r\n', 'array(0)', []],
    ['~2\r\n+a\r\n:1\r\n', 'set(2)', ['a', 1]],
  ];
  const steps: [typeof C | typeof S, string][] = [];
  for (const [wire] of replies) steps.push([C, cmd('GET', 'k').toString('latin1')], [S, wire]);
  const ms = run(t, ...steps).filter((m) => m.name === 'reply');
  t.equal(ms.length, replies.length);
  replies.forEach(([wire, summary, json], i) => {
    t.equal(ms[i]!.summary, summary, `summary of ${JSON.stringify(wire)}`);
    t.same(ms[i]!.fields.reply, json, `json of ${JSON.stringify(wire)}`);
    t.equal(ms[i]!.fields.request, 'GET');
  });
  const errs = run(
    t,
    [C, cmd('SET', 'k')],
    [S, '!21\r\nSYNTAX invalid syntax\r\n'],
    [C, cmd('SET', 'k')],
    [S, "-ERR wrong number of arguments for 'set' command\r\n"],
  );
  t.same(errs[1]!.fields.error, { code: 'SYNTAX', message: 'SYNTAX invalid syntax' });
  t.equal(errs[1]!.level, 40);
  t.equal(errs[3]!.summary, "ERR wrong number of arguments for 'set' command");
  t.equal(errs[3]!.level, 40);
  t.end();
});

t.test('maps, nested arrays and attributes', (t) => {
  const ms = run(
    t,
    [C, cmd('HGETALL', 'h')],
    [S, '%2\r\n$1\r\na\r\n:1\r\n$1\r\nb\r\n*2\r\n:2\r\n_\r\n'],
    [C, cmd('EVAL', 'x', '0')],
    [S, '*2\r\n*2\r\n:1\r\n:2\r\n*1\r\n*1\r\n$3\r\nabc\r\n'],
    [C, cmd('ZRANGE', 'z', '0', '-1')],
    [
      S,
      '|1\r\n+key-popularity\r\n%2\r\n$1\r\na\r\n,0.1923\r\n$1\r\nb\r\n,0.0012\r\n*2\r\n:2039123\r\n:9543892\r\n',
    ],
    [C, cmd('GET', 'x')],
    [S, '*3\r\n:1\r\n|1\r\n+ttl\r\n:3600\r\n:2\r\n:3\r\n'],
  );
  t.same(ms[1]!.fields.reply, { a: 1, b: [2, null] });
  t.equal(ms[1]!.summary, 'map(2)');
  t.same(ms[3]!.fields.reply, [[1, 2], [['abc']]]);
  t.equal(ms[5]!.summary, 'array(2)', 'the attribute is not the reply');
  t.same(ms[5]!.fields.reply, [2039123, 9543892]);
  t.same(ms[5]!.fields.attributes, { 'key-popularity': { a: 0.1923, b: 0.0012 } });
  t.same(ms[7]!.fields.reply, [1, 2, 3], 'a nested attribute is not counted as an element');
  t.same(
    ms.filter((m) => m.name === 'reply').map((m) => m.fields.request),
    ['HGETALL', 'EVAL', 'ZRANGE', 'GET'],
  );
  t.end();
});

t.test('inline commands with quotes', (t) => {
  const ms = run(
    t,
    [C, 'SET "a b" "x\\ty\\x41\\"" \'c\\\'d\'\r\n\r\nPING\nset\tk  v\r\nECHO ""\r\n'],
    [S, '+OK\r\n+PONG\r\n+OK\r\n$0\r\n\r\n'],
  );
  t.same(ms[0]!.fields.command, ['SET', 'a b', 'x\tyA"', "c'd"]);
  t.equal(ms[0]!.summary, 'SET "a b" "x\\tyA\\"" "c\'d"');
  t.same(brief(ms).slice(1), [
    'client command PING',
    'client command SET k v',
    'client command ECHO ""',
    'server reply OK',
    'server reply PONG',
    'server reply OK',
    'server reply ""',
  ]);
  const bad = feed(redis, convo([C, 'SET "a b\r\n']));
  t.match(bad.fallback, /unbalanced quotes/);
  const bad2 = feed(redis, convo([C, 'SET "a"b\r\n']));
  t.match(bad2.fallback, /unbalanced quotes/, 'closing quote must be followed by a blank');
  t.end();
});

t.test('binary arguments are shown as escapes and capped', (t) => {
  const bin = Buffer.from([0, 1, 2, 0xff, 0x41]);
  const big = Buffer.alloc(100_000, 'x');
  const ms = feed(redis, convo([C, cmd('SET', bin, big)]), undefined, { maxValue: 1000 }).messages;
  const args = ms[0]!.fields.command as string[];
  t.equal(args[1], '\\x00\\x01\\x02\\xffA');
  t.equal(args[2], 'x'.repeat(1000 - 8) + '…(100000 bytes)');
  t.equal(ms[0]!.fields.truncated, true);
  t.ok(ms[0]!.summary.length < 220, 'summary stays one short line');
  t.end();
});

t.test('pub/sub in RESP2: one reply per channel, messages are pushes', (t) => {
  const sub = (kind: string, ch: string, n: number) =>
    `*3\r\n$${kind.length}\r\n${kind}\r\n$${ch.length}\r\n${ch}\r\n:${n}\r\n`;
  const ms = run(
    t,
    [C, cmd('SUBSCRIBE', 'a', 'b')],
    [S, sub('subscribe', 'a', 1) + sub('subscribe', 'b', 2)],
    [S, '*3\r\n$7\r\nmessage\r\n$1\r\na\r\n$2\r\nhi\r\n'],
    [C, cmd('PSUBSCRIBE', 'n*')],
    [S, sub('psubscribe', 'n*', 3)],
    [S, '*4\r\n$8\r\npmessage\r\n$2\r\nn*\r\n$2\r\nnx\r\n$1\r\nx\r\n'],
    [C, cmd('PING')],
    [S, '*2\r\n$4\r\npong\r\n$0\r\n\r\n'],
    [C, cmd('UNSUBSCRIBE')],
    [
      S,
      '*3\r\n$7\r\nmessage\r\n$1\r\nb\r\n$3\r\nyo!\r\n' +
        sub('unsubscribe', 'a', 2) +
        sub('unsubscribe', 'b', 1),
    ],
    [C, cmd('PUNSUBSCRIBE')],
    [S, sub('punsubscribe', 'n*', 0)],
    [C, cmd('GET', 'message')],
    [S, '*3\r\n$7\r\nmessage\r\n$1\r\nb\r\n$1\r\nc\r\n'],
  );
  t.same(brief(ms), [
    'client command SUBSCRIBE a b',
    'server reply array(3)',
    'server reply array(3)',
    'server push message a hi',
    'client command PSUBSCRIBE n*',
    'server reply array(3)',
    'server push pmessage n* nx x',
    'client command PING',
    'server reply array(2)',
    'client command UNSUBSCRIBE',
    'server push message b yo!',
    'server reply array(3)',
    'server reply array(3)',
    'client command PUNSUBSCRIBE',
    'server reply array(3)',
    'client command GET message',
    'server reply array(3)',
  ]);
  t.same(
    ms.filter((m) => m.name === 'reply').map((m) => m.fields.request),
    [
      'SUBSCRIBE',
      'SUBSCRIBE',
      'PSUBSCRIBE',
      'PING',
      'UNSUBSCRIBE',
      'UNSUBSCRIBE',
      'PUNSUBSCRIBE',
      'GET',
    ],
  );
  t.end();
});

t.test('pub/sub in RESP3: pushes never consume the FIFO', (t) => {
  const push = (kind: string, ch: string, tail: string) =>
    `>3\r\n$${kind.length}\r\n${kind}\r\n$${ch.length}\r\n${ch}\r\n${tail}`;
  const ms = run(
    t,
    [C, cmd('HELLO', '3')],
    [S, '%1\r\n$5\r\nproto\r\n:3\r\n'],
    [C, cmd('SUBSCRIBE', 'a', 'b')],
    [C, cmd('GET', 'k')],
    [S, push('subscribe', 'a', ':1\r\n') + push('subscribe', 'b', ':2\r\n')],
    [S, push('message', 'a', '$2\r\nhi\r\n') + '$1\r\nv\r\n'],
    [C, cmd('CLIENT', 'TRACKING', 'on')],
    [S, '+OK\r\n>2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\nk\r\n'],
  );
  t.same(brief(ms), [
    'client command HELLO 3',
    'server reply map(1)',
    'client command SUBSCRIBE a b',
    'client command GET k',
    'server push subscribe a 1',
    'server push subscribe b 2',
    'server push message a hi',
    'server reply "v"',
    'client command CLIENT TRACKING on',
    'server reply OK',
    'server push push(2)',
  ]);
  t.equal(ms[7]!.fields.request, 'GET');
  t.equal(ms[1]!.fields.proto, 3);
  t.end();
});

t.test('a failed HELLO 3 keeps RESP2', (t) => {
  const ms = run(
    t,
    [C, cmd('HELLO', '3')],
    [S, '-NOAUTH HELLO must be called with the client already authenticated\r\n'],
    [C, cmd('SUBSCRIBE', 'a')],
    [S, '*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n'],
  );
  t.equal(ms[3]!.fields.request, 'SUBSCRIBE', 'the confirmation is a RESP2 reply');
  t.end();
});

t.test('MULTI/QUEUED/EXEC', (t) => {
  const ms = run(
    t,
    [C, Buffer.concat([cmd('MULTI'), cmd('SET', 'a', '1'), cmd('INCR', 'a'), cmd('EXEC')])],
    [S, '+OK\r\n+QUEUED\r\n+QUEUED\r\n*2\r\n+OK\r\n:2\r\n'],
    [C, Buffer.concat([cmd('WATCH', 'a'), cmd('MULTI'), cmd('GET', 'a'), cmd('EXEC')])],
    [S, '+OK\r\n+OK\r\n+QUEUED\r\n*-1\r\n'],
  );
  const replies = ms.filter((m) => m.name === 'reply');
  t.same(
    replies.map((m) => `${String(m.fields.request)} ${m.summary}`),
    [
      'MULTI OK',
      'SET QUEUED',
      'INCR QUEUED',
      'EXEC array(2)',
      'WATCH OK',
      'MULTI OK',
      'GET QUEUED',
      'EXEC nil',
    ],
  );
  t.same(replies[3]!.fields.reply, ['OK', 2]);
  t.end();
});

t.test('MONITOR stream', (t) => {
  const ms = run(
    t,
    [C, cmd('MONITOR')],
    [S, '+OK\r\n'],
    [
      S,
      '+1700000000.123456 [0 127.0.0.1:50000] "set" "k" "v"\r\n+1700000000.223456 [0 127.0.0.1:50000] "get" "k"\r\n',
    ],
  );
  t.same(brief(ms), [
    'client command MONITOR',
    'server reply OK',
    'server monitor 1700000000.123456 [0 127.0.0.1:50000] "set" "k" "v"',
    'server monitor 1700000000.223456 [0 127.0.0.1:50000] "get" "k"',
  ]);
  t.end();
});

t.test('CLIENT REPLY OFF / SKIP', (t) => {
  const ms = run(
    t,
    [
      C,
      Buffer.concat([
        cmd('CLIENT', 'REPLY', 'OFF'),
        cmd('SET', 'a', '1'),
        cmd('CLIENT', 'REPLY', 'ON'),
        cmd('GET', 'a'),
      ]),
    ],
    [S, '+OK\r\n$1\r\n1\r\n'],
    [C, Buffer.concat([cmd('CLIENT', 'REPLY', 'SKIP'), cmd('SET', 'a', '2'), cmd('GET', 'a')])],
    [S, '$1\r\n2\r\n'],
  );
  t.same(
    ms.filter((m) => m.name === 'reply').map((m) => `${String(m.fields.request)} ${m.summary}`),
    ['CLIENT OK', 'GET "1"', 'GET "2"'],
  );
  t.end();
});

t.test('deep pipelining (redis-benchmark -P 16)', (t) => {
  const cmds: Buffer[] = [];
  let replies = '';
  for (let i = 0; i < 16; i++) {
    cmds.push(cmd('SET', `key:${i}`, 'xxx'), cmd('GET', `key:${i}`));
    replies += '+OK\r\n$3\r\nxxx\r\n';
  }
  const ms = run(t, [C, Buffer.concat(cmds)], [S, replies]);
  const r = ms.filter((m) => m.name === 'reply');
  t.equal(r.length, 32);
  t.same(
    r.map((m) => m.fields.request),
    Array.from({ length: 32 }, (_, i) => (i % 2 ? 'GET' : 'SET')),
  );
  t.ok(r.every((m) => m.latencyMs === 1));
  t.end();
});

t.test('unsolicited replies and an empty RESP command', (t) => {
  const ms = run(t, [C, '*0\r\n'], [S, '-ERR max number of clients reached\r\n']);
  t.same(brief(ms), ['server reply ERR max number of clients reached']);
  t.equal(ms[0]!.latencyMs, undefined);
  t.end();
});

t.test('TLS from the first byte (rediss)', (t) => {
  const hello = Buffer.from(
    '160301003a0100003603030000000000000000000000000000000000000000000000000000000000000000000000020013010100000b0000000900070000046b65790a',
    'hex',
  );
  const r = feed(redis, convo([C, hello]));
  t.equal(r.opaque, true);
  t.equal(r.messages[0]!.name, 'tls');
  t.match(r.messages[0]!.summary, /TLS.*--tls/);
  t.end();
});
