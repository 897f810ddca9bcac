// Binary values in the text people read: a byte that is not printable UTF-8 is shown as \xHH in
// the `command` field, and the summary, the exchange's request text and the rendered reply quote
// it as redis-cli does, escaping it once (`SET k "\xff"`, not `"\\xff"`). Plain text with a real
// backslash or quote is escaped once too, so the two stay apart. Replay's own request text agrees
// and its bytes stay the captured ones.

import t, { type Test } from 'tap';
import { redis } from '../../../src/decoders/redis/index.js';
import { DEFAULT_DECODER_OPTIONS, type ExchangeDraft } from '../../../src/decoders/decoder.js';
import type { Decoded } from '../../../src/decoders/decoder.js';
import { recordedCommands } from '../../../src/replay/redis-commands.js';
import type { Session } from '../../../src/replay/load.js';
import type { ReplaySettings } from '../../../src/replay/types.js';
import { cmd, convo, sameWhateverTheSplits } from '../../helpers/redis-frames.js';

const C = 'client' as const;
const S = 'server' as const;
const b = (...parts: (string | number[])[]): Buffer =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));

/** the messages (checked at every split) and exchanges of one conversation */
function decode(t: Test, steps: [typeof C | typeof S, string | Buffer][], maxValue?: number) {
  const chunks = convo(...steps);
  const options = maxValue ? { maxValue } : {};
  const r = sameWhateverTheSplits(t, redis, chunks, options);
  t.equal(r.fallback, undefined, 'no fallback');
  const dec = redis.create({ ...DEFAULT_DECODER_OPTIONS, ...options });
  const exchanges: ExchangeDraft[] = [];
  for (const c of chunks) exchanges.push(...(dec.push(c.from, c.bytes, c.t).exchanges ?? []));
  return { messages: r.messages, exchanges };
}
const named = (ms: Decoded[], name: string): Decoded[] => ms.filter((m) => m.name === name);

// [argument bytes, `command` field, summary argument]
const CASES: [string, Buffer, string, string][] = [
  ['0xff', b([0xff]), '\\xff', '"\\xff"'],
  ['0x00', b([0x00]), '\\x00', '"\\x00"'],
  [
    'mixed: text, quote, backslash, NUL, 0xff',
    b('a"b\\c', [0x00, 0xff], 'z'),
    'a"b\\\\c\\x00\\xffz',
    '"a\\"b\\\\c\\x00\\xffz"',
  ],
  ['plain text with a backslash and a quote', b('a\\b"c'), 'a\\b"c', '"a\\\\b\\"c"'],
  ['plain text that reads like an escape', b('\\xff'), '\\xff', '"\\\\xff"'],
  ['plain text with a tab', b('a\tb'), 'a\tb', '"a\\tb"'],
];

t.test('arguments: shown once-escaped in the summary and the request text', (t) => {
  for (const [label, arg, field, shown] of CASES) {
    const { messages, exchanges } = decode(t, [
      [C, cmd('SET', 'k', arg)],
      [S, '+OK\r\n'],
    ]);
    const command = named(messages, 'command')[0]!;
    t.same(command.fields.command, ['SET', 'k', field], `${label}: the command field`);
    t.equal(command.summary, `SET k ${shown}`, `${label}: the summary`);
    t.equal(exchanges[0]?.request.text, `SET k ${shown}`, `${label}: the exchange's text`);
  }
  t.end();
});

t.test('an inline command with escapes reads as it was typed', (t) => {
  const { messages } = decode(t, [
    [C, 'SET k "\\xff\\x00" "a\\\\b"\r\n'],
    [S, '+OK\r\n'],
  ]);
  t.same(named(messages, 'command')[0]!.fields.command, ['SET', 'k', '\\xff\\x00', 'a\\b']);
  t.equal(named(messages, 'command')[0]!.summary, 'SET k "\\xff\\x00" "a\\\\b"');
  t.end();
});

t.test('a long binary argument is cut between escapes, never inside one', (t) => {
  const { messages } = decode(t, [
    [C, cmd('SET', 'k', Buffer.alloc(100, 0xff))],
    [C, cmd('SET', 'k', b('a', new Array<number>(30).fill(0xff)))],
    [C, cmd('SET', 'k', b('\\', new Array<number>(40).fill(0)))],
  ]);
  const [whole, odd, slash] = named(messages, 'command').map((m) => m.summary);
  t.equal(whole, `SET k "${'\\xff'.repeat(16)}"…`, '16 escapes in 64 characters');
  t.equal(odd, `SET k "a${'\\xff'.repeat(15)}"…`, 'the 16th escape would not fit whole');
  t.equal(slash, `SET k "\\\\${'\\x00'.repeat(15)}"…`, 'an escaped backslash is one unit');

  // cut by the message budget too: the size is noted after the quotes
  const cut = decode(t, [[C, cmd('SET', 'k', Buffer.alloc(100, 0xff))]], 40).messages;
  const c = named(cut, 'command')[0]!;
  t.equal(c.fields.truncated, true);
  t.equal((c.fields.command as string[])[2], '\\xff'.repeat(36) + '…(100 bytes)');
  t.equal(c.summary, `SET k "${'\\xff'.repeat(16)}"…(100 bytes)`);
  t.end();
});

t.test('replies and pushes: binary escaped once, plain text escaped once', (t) => {
  const { messages, exchanges } = decode(t, [
    [C, cmd('GET', 'bin')],
    [S, b('$4\r\n', [0xff, 0x00], '"\\\r\n')],
    [C, cmd('GET', 'text')],
    [S, '$5\r\na\\b"c\r\n'],
    [C, cmd('LRANGE', 'l', '0', '-1')],
    [S, b('*2\r\n$1\r\n', [0xfe], '\r\n$2\r\n\\n\r\n')],
    [S, b('>3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$1\r\n', [0xff], '\r\n')],
  ]);
  const replies = named(messages, 'reply');
  t.equal(replies[0]!.summary, '"\\xff\\x00\\"\\\\"', 'binary reply summary');
  t.equal(replies[1]!.summary, '"a\\\\b\\"c"', 'plain reply summary');
  t.equal(named(messages, 'push')[0]!.summary, 'message ch "\\xff"', 'push summary');
  const rendered = exchanges.map((x) => x.response?.reply);
  t.same(rendered.slice(0, 3), ['"\\xff\\x00\\"\\\\"', '"a\\\\b\\"c"', '1) "\\xfe"\n2) "\\\\n"']);
  t.equal(exchanges[3]?.request.text, 'message ch "\\xff"', 'the push exchange');
  t.end();
});

const settings: ReplaySettings = {
  host: '127.0.0.1',
  port: 1,
  pace: 'fast',
  quietMs: 1,
  timeoutMs: 1,
  ignoreHeaders: [],
  ignoreJsonPaths: [],
  headers: [],
  passwords: {},
  secrets: {},
  skipRedacted: false,
};

t.test('replay: the same request text, the captured bytes resent as they were', (t) => {
  const wire = Buffer.concat(CASES.map(([, arg]) => cmd('SET', 'k', arg)));
  const session: Session = {
    conn: 1,
    start: 0,
    line: 1,
    chunks: [{ from: 'client', bytes: wire, time: 1, line: 2, redacted: 0 }],
    messages: [],
    exchanges: [],
    ended: { client: false, server: false },
    redacted: { client: 0, server: 0 },
  };
  const recorded = recordedCommands(session, settings);
  t.same(
    recorded.map((r) => r.text),
    CASES.map(([, , , shown]) => `SET k ${shown}`),
  );
  t.ok(Buffer.concat(recorded.map((r) => r.bytes)).equals(wire), 'byte for byte');
  t.end();
});
