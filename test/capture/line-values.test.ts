// Message lines are built by hand (line-format.ts) and must be the bytes JSON.stringify writes for
// the same record, whatever the values hold: quotes, backslashes, control characters, non-ASCII,
// lone surrogates, numbers that JSON has no word for, nested values, undefined fields.
import t from 'tap';
import { fromLine, lineText, toRecord } from '../../src/capture/line-format.js';
import type { CaptureEvent, MessageEvent } from '../../src/events.js';

const strings = [
  '',
  'plain text',
  'SELECT abalance FROM pgbench_accounts WHERE aid = 48213;',
  'say "hi"',
  'back\\slash',
  'tab\there, newline\nthere, cr\r, nul\u0000, esc\u001b, del\u007f',
  'café ünïcödé 日本語',
  'emoji 🎉 pair',
  'lone \ud800 high, lone \udc00 low',
  '~ and } and { at the edges ~',
];
const values: unknown[] = [
  ...strings,
  0,
  -0,
  42,
  1796180204455.7722,
  0.054,
  NaN,
  Infinity,
  -Infinity,
  true,
  false,
  null,
  undefined,
  ['GET', 'key:__rand_int__', 'x"y'],
  { nested: 'a\nb', n: [1, null, undefined] },
  [[0, 'row "1"']],
];

function message(fields: Record<string, unknown>, extra: Partial<MessageEvent> = {}): MessageEvent {
  return {
    type: 'message',
    time: 1796180204455,
    level: 30,
    msg: 'command GET "x"\n',
    conn: 3,
    from: 'client',
    protocol: 'redis',
    name: 'command',
    fields,
    ...extra,
  };
}

t.test('message lines: the bytes JSON.stringify writes', async (t) => {
  const cases: MessageEvent[] = [];
  for (const v of values) cases.push(message({ summary: v, value: v }));
  for (const s of strings) cases.push(message({ summary: s }, { msg: s, name: s, route: s }));
  cases.push(message({ type: 'not me', conn: 9, other: 1 }, { latencyMs: 0.25 }));
  cases.push(message({}, { latencyMs: NaN }));
  for (const e of cases) {
    const line = lineText(e);
    t.equal(line, JSON.stringify(toRecord(e)) + '\n', JSON.stringify(e.fields).slice(0, 60));
    t.doesNotThrow(() => fromLine(line));
  }
});

t.test('exchange lines: JSON.stringify of the event', async (t) => {
  for (const s of strings) {
    const e = {
      type: 'exchange',
      time: 1796180204455,
      level: 30,
      msg: s + ' -> OK',
      conn: 1,
      protocol: 'postgres',
      id: 7,
      start: 1796180204455.7722,
      request: { text: s, kind: 'query', sql: s, params: [s, 1, null] },
      latencyMs: 0.054,
      response: { text: 'OK', values: [[s]] },
      fingerprint: s,
      fingerprintId: 'f2ec7be8b54c00d1',
    } as unknown as CaptureEvent;
    t.equal(lineText(e), JSON.stringify(e) + '\n');
  }
});
