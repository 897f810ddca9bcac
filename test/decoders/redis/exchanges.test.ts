// Redis exchanges (issue 10): each command with its reply, rendered as redis-cli prints it, from
// the shared wire sample (redis-cli: AUTH, HELLO 3, pipelines, QUIT, pub/sub in RESP2 and RESP3,
// HGETALL) fed as captured, split at every byte position of every chunk and one byte at a time:
// the same exchanges each time. Then MULTI/EXEC, nested arrays, errors, secrets in replies and
// a server that closes with commands unanswered.

import t from 'tap';
import { redis } from '../../../src/decoders/redis/index.js';
import { DEFAULT_DECODER_OPTIONS, type ExchangeDraft } from '../../../src/decoders/decoder.js';
import { byConn, loadWireSample, oneByte, type Step } from '../../helpers/feed.js';
import { cmd, convo } from '../../helpers/redis-frames.js';

// the shared wire sample redis.jsonl, copied into the fixtures byte for byte
const FIXTURE = new URL('../../fixtures/redis/redis-cli.jsonl', import.meta.url).pathname;
const conns = byConn(loadWireSample(FIXTURE));

/** every exchange the decoder reports for these steps, each chunk cut by `split` */
function exchanges(steps: Step[], split = (b: Buffer) => [b]): ExchangeDraft[] {
  const dec = redis.create(DEFAULT_DECODER_OPTIONS);
  const out: ExchangeDraft[] = [];
  for (const s of steps) {
    if ('end' in s) {
      out.push(...(dec.end(s.end, s.t).exchanges ?? []));
      continue;
    }
    for (const p of split(s.bytes)) {
      const step = dec.push(s.from, Buffer.from(p), s.t);
      if (step.fallback) throw new Error(step.fallback);
      out.push(...(step.exchanges ?? []));
    }
  }
  return out;
}

t.test('the wire sample gives the same exchanges at every split', async (t) => {
  for (const [id, steps] of conns) {
    const ref = exchanges(steps);
    const want = JSON.stringify(ref);
    let differs = 0;
    steps.forEach((s, i) => {
      if ('end' in s) return;
      for (let at = 1; at < s.bytes.length; at++) {
        const cut = steps.flatMap((x, j) =>
          j !== i || 'end' in x
            ? [x]
            : [
                { ...x, bytes: x.bytes.subarray(0, at) },
                { ...x, bytes: x.bytes.subarray(at) },
              ],
        );
        if (JSON.stringify(exchanges(cut)) !== want) differs++;
      }
    });
    t.equal(differs, 0, `connection ${id}: every single split`);
    t.equal(
      JSON.stringify(exchanges(steps, oneByte)),
      want,
      `connection ${id}: one byte at a time`,
    );
    t.ok(ref.length > 0, `connection ${id} has exchanges`);
  }
});

t.test('what the sample holds, as redis-cli shows it', (t) => {
  const one = exchanges(conns.get(1)!);
  t.match(one, [
    {
      request: { text: 'AUTH [redacted]', kind: 'command', command: ['AUTH', '[redacted]'] },
      response: { text: 'OK', reply: 'OK' },
      latencyMs: 2,
    },
    { request: { text: 'PING', command: ['ping'] }, response: { reply: 'PONG' } },
  ]);
  const three = exchanges(conns.get(3)!);
  t.match(three[0], {
    level: 40,
    response: {
      error: { code: 'NOAUTH', message: /^NOAUTH HELLO must be/ },
      reply: /^\(error\) NOAUTH /,
    },
  });
  t.match(three[1]!.request.command, [
    'hello',
    '3',
    'AUTH',
    'default',
    '[redacted]',
    'SETNAME',
    'tapclient',
  ]);
  t.match(
    three[1]!.response!.reply,
    /^1# "server" => "redis"\n2# "version" => "[\d.]+"\n3# "proto" => \(integer\) 3\n/,
  );
  const six = exchanges(conns.get(6)!);
  t.match(
    six.map((x) => [x.request.kind, x.request.text]),
    [
      ['command', 'AUTH [redacted]'],
      ['command', 'SUBSCRIBE news'],
      ['push', 'message news "hi there"'],
    ],
  );
  t.equal(six[1]!.response!.reply, '1) "subscribe"\n2) "news"\n3) (integer) 1');
  t.equal(six[2]!.latencyMs, undefined, 'a push answers no request');
  const eight = exchanges(conns.get(8)!);
  t.match(
    eight.map((x) => x.request.kind),
    ['command', 'command', 'push', 'push'],
    'RESP3 subscribe',
  );
  t.match(exchanges(conns.get(10)!).at(-1), { response: { text: '(empty hash)' } });
  t.end();
});

t.test('MULTI/EXEC, pipelines, nested arrays, nil, errors', (t) => {
  const x = exchanges(
    convo(
      [
        'client',
        Buffer.concat([cmd('MULTI'), cmd('SET', 'a', '1'), cmd('INCR', 'a'), cmd('EXEC')]),
      ],
      ['server', '+OK\r\n+QUEUED\r\n+QUEUED\r\n*2\r\n+OK\r\n:2\r\n'],
      [
        'client',
        Buffer.concat([cmd('LPOS', 'x', 'y'), cmd('HGET', 'a', 'f'), cmd('XRANGE', 's', '-', '+')]),
      ],
      ['server', '$-1\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n'],
      ['server', '*2\r\n*2\r\n$3\r\n1-0\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n*0\r\n'],
    ),
  );
  t.same(
    x.map((e) => [e.request.text, e.response?.reply, e.txn]),
    [
      ['MULTI', 'OK', 'in'],
      ['SET a 1', 'QUEUED', 'in'],
      ['INCR a', 'QUEUED', 'in'],
      ['EXEC', '1) OK\n2) (integer) 2', 'idle'],
      ['LPOS x y', '(nil)', undefined],
      [
        'HGET a f',
        '(error) WRONGTYPE Operation against a key holding the wrong kind of value',
        undefined,
      ],
      ['XRANGE s - +', '1) 1) "1-0"\n   2) 1) "f"\n      2) "v"\n2) (empty array)', undefined],
    ],
  );
  t.same(x[5]!.response!.error, {
    code: 'WRONGTYPE',
    message: 'WRONGTYPE Operation against a key holding the wrong kind of value',
  });
  t.equal(
    x[5]!.response!.text,
    '(error) WRONGTYPE Operation against a key holding the wrong kind of value',
  );
  t.equal(x[6]!.response!.text, '1) 1) "1-0" 2) 1) "f" 2) "v" 2) (empty array)', 'one line');
  t.equal(x[3]!.latencyMs, 1, 'from the first byte of EXEC to the chunk that ended its reply');
  t.end();
});

t.test('a queued command refused: the transaction is failed until EXEC aborts', (t) => {
  const x = exchanges(
    convo(
      ['client', Buffer.concat([cmd('MULTI'), cmd('NOPE'), cmd('EXEC')])],
      [
        'server',
        "+OK\r\n-ERR unknown command 'NOPE'\r\n-EXECABORT Transaction discarded because of previous errors.\r\n",
      ],
    ),
  );
  t.same(
    x.map((e) => e.txn),
    ['in', 'failed', 'idle'],
  );
  t.equal(x[2]!.response!.error!.code, 'EXECABORT');
  t.end();
});

t.test('secrets stay masked in exchanges', (t) => {
  const x = exchanges(
    convo(
      [
        'client',
        Buffer.concat([
          cmd('CONFIG', 'SET', 'requirepass', 'pw123'),
          cmd('CONFIG', 'GET', 'requirepass'),
        ]),
      ],
      ['server', '+OK\r\n*2\r\n$11\r\nrequirepass\r\n$5\r\npw123\r\n'],
    ),
  );
  t.same(x[0]!.request.command, ['CONFIG', 'SET', 'requirepass', '[redacted]']);
  t.equal(x[1]!.response!.reply, '1) "requirepass"\n2) [redacted]');
  t.notOk(JSON.stringify(x).includes('pw123'));
  t.end();
});

t.test('the server closes with commands unanswered: incomplete exchanges', (t) => {
  const steps: Step[] = [
    ...convo(
      ['client', Buffer.concat([cmd('GET', 'a'), cmd('BLPOP', 'q', '0')])],
      ['server', '$1\r\nx\r\n'],
    ),
    { end: 'server', t: 2000 },
  ];
  const x = exchanges(steps);
  t.match(x, [
    { request: { text: 'GET a' }, response: { reply: '"x"' } },
    { request: { text: 'BLPOP q 0' }, incomplete: true },
  ]);
  t.equal(x[1]!.response, undefined);
  t.end();
});

t.test('a long array is cut with a marker, and one reply stays bounded', (t) => {
  const n = 5000;
  const reply = `*${n}\r\n` + ':1\r\n'.repeat(n);
  const x = exchanges(convo(['client', cmd('LRANGE', 'l', '0', '-1')], ['server', reply]));
  const lines = x[0]!.response!.reply!.split('\n');
  t.ok(lines.length <= 101, `${lines.length} lines`);
  t.equal(lines.at(-1), `…(${n} in all)`);
  t.ok(x[0]!.response!.text.length <= 201);
  t.end();
});
