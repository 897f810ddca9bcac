// The live view's exchange lines (docs/exchanges.md): request, parameters, answer, latency; rows
// under them; errors in red with their SQLSTATE; frames hidden once a protocol has exchanges;
// every chunk shown raw after a decoder fallback; --filter.
import t from 'tap';
import { Formatter, clock, type FormatOptions } from '../../src/view/format.js';
import { parseFilter } from '../../src/filter/index.js';
import type { CaptureEvent, DataEvent, MessageEvent } from '../../src/events.js';
import { ex, openEvent, closeEvent, type Ex } from '../helpers/exchanges.js';

const base: FormatOptions = { color: false, preview: 32, showData: false, width: 120 };
const at = new Date(2026, 0, 1, 12, 0, 1, 123).getTime();

const select = ex({
  conn: 3,
  start: at,
  latencyMs: 0.4,
  request: {
    text: 'select name from users where id = $1',
    sql: 'select name from users where id = $1',
    params: ['42'],
  },
  response: { text: 'SELECT 1', rows: 1, columns: ['name'], values: [['bob']] },
});

function msg(conn: number, from: 'client' | 'server', name: string, summary: string): MessageEvent {
  return {
    type: 'message',
    time: at,
    level: 30,
    msg: name,
    conn,
    from,
    protocol: 'postgres',
    name,
    fields: { summary },
  };
}
function data(
  conn: number,
  from: 'client' | 'server',
  text: string,
  protocol?: 'redis',
): DataEvent {
  const bytes = Buffer.from(text);
  return {
    type: 'data',
    time: at,
    level: 30,
    msg: 'data',
    conn,
    from,
    seq: 0,
    offset: 0,
    len: bytes.length,
    bytes,
    ...(protocol ? { protocol } : {}),
  };
}

t.test('one line per exchange, then its rows', async (t) => {
  const f = new Formatter(base);
  t.equal(
    f.format(select),
    '12:00:01.123 #3 pg  select name from users where id = $1 [42] -> SELECT 1 (0.40 ms)\n    name\n    ----\n    bob',
  );
  const many = ex({
    conn: 3,
    start: at,
    latencyMs: 12,
    request: { text: 'select id, name from users' },
    response: {
      text: 'SELECT 40',
      rows: 40,
      columns: ['id', 'name'],
      values: [
        [1, 'ann'],
        [2, null],
        [3, 'a\nb'],
        [4, 'x'],
      ],
    },
  });
  t.equal(
    f.format(many),
    [
      '12:00:01.123 #3 pg  select id, name from users -> SELECT 40 (12.0 ms)',
      '    id | name',
      '    ---+-----',
      '     1 | ann',
      '     2 | NULL',
      '     3 | a\\nb',
      '    … 37 more rows',
    ].join('\n'),
    '--rows default 3, numbers right-aligned, NULL, control characters escaped, the rest counted',
  );
  t.equal(
    new Formatter({ ...base, rows: 0 }).format(many),
    '12:00:01.123 #3 pg  select id, name from users -> SELECT 40 (12.0 ms)',
    '--rows 0',
  );
  const redis = ex({
    conn: 5,
    protocol: 'redis',
    start: at,
    latencyMs: 0.05,
    request: { text: 'LRANGE q 0 -1', command: ['LRANGE', 'q', '0', '-1'] },
    response: { text: '(3 items)', reply: '1) "a"\n2) "b"\n3) "c"\n4) "d"' },
  });
  t.equal(
    f.format(redis),
    '12:00:01.123 #5 redis LRANGE q 0 -1 -> (3 items) (0.05 ms)\n    1) "a"\n    2) "b"\n    3) "c"\n    … 1 more line',
  );
});

t.test('errors: red, with the SQLSTATE; no answer; failed transactions', async (t) => {
  const err = ex({
    conn: 4,
    start: at,
    latencyMs: 1.5,
    level: 40,
    request: { text: 'select 1/0', sql: 'select 1/0' },
    response: {
      text: 'ERROR division by zero',
      error: { code: '22012', message: 'division by zero' },
    },
    txn: 'failed',
  } as never);
  err.level = 40;
  t.equal(
    new Formatter(base).format(err),
    '12:00:01.123 #4 pg  select 1/0 -> ERROR division by zero (22012) [failed transaction] (1.5 ms)',
  );
  const red = new Formatter({ ...base, color: true }).format(err)!;
  t.ok(red.includes('\x1b[31mERROR division by zero (22012)\x1b[0m'), 'the answer is red');
  const lost = ex({
    conn: 4,
    start: at,
    request: { text: 'select pg_sleep(9)' },
    response: null,
    incomplete: true,
  });
  t.equal(
    new Formatter(base).format(lost),
    '12:00:01.123 #4 pg  select pg_sleep(9) -> (no answer: the connection ended)',
  );
  const params = ex({
    conn: 4,
    start: at,
    latencyMs: 1,
    request: { text: 'insert into t values ($1, $2, $3, $4)', params: ['bob smith', null, 7, ''] },
    response: { text: 'INSERT 0 1' },
  });
  t.match(new Formatter(base).format(params), /\$4\) \['bob smith', NULL, 7, ''\] -> INSERT 0 1/);
});

t.test(
  'an error answer takes the room a request leaves; a long request keeps 40 columns',
  async (t) => {
    const reason = 'WRONGPASS invalid username-password pair or user is disabled.';
    const refused = ex({
      conn: 1,
      start: at,
      latencyMs: 3.6,
      protocol: 'redis',
      request: { text: 'AUTH [redacted]' },
      response: { text: `(error) ${reason}`, error: { code: 'WRONGPASS', message: reason } },
    } as never);
    const line = new Formatter(base).format(refused)!;
    t.equal(line, `12:00:01.123 #1 redis AUTH [redacted] -> (error) ${reason} (3.6 ms)`);
    const sql = 'select ' + Array.from({ length: 30 }, (_, i) => `c${i}`).join(', ') + ' from t';
    const long = 'column "c29" does not exist, and so on: '.repeat(5);
    const both = ex({
      conn: 1,
      start: at,
      request: { text: sql },
      response: { text: `ERROR ${long}`, error: { code: '42703', message: long } },
    });
    const text = new Formatter(base).format(both)!.slice('12:00:01.123 #1 pg  '.length);
    const [request, answer] = text.split(' -> ');
    t.equal(request!.length, 40, 'the request keeps 40 columns');
    t.ok(request!.endsWith('…'));
    t.equal(request!.length + answer!.length + 4, 120, 'the answer takes the rest of the width');
    const ok = ex({ conn: 1, start: at, request: { text: sql }, response: { text: long } });
    const plain = new Formatter(base).format(ok)!.split(' -> ')[1]!;
    t.equal(plain.length, 40, 'an answer that is no error keeps to a third');
  },
);

t.test('HTTP: the request body inline, a readable answer body under the line', async (t) => {
  const f = new Formatter(base);
  const json = (body: string, status = 200) => ({
    text: `${status} OK`,
    status,
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body,
    bodyBytes: Buffer.byteLength(body),
  });
  const post = ex({
    conn: 2,
    start: at,
    latencyMs: 3,
    protocol: 'http',
    request: {
      text: 'POST /users',
      headers: { 'content-type': 'application/json' },
      body: '{"name":"ada","password":"*******"}',
    },
    response: json('{\n  "id": 7,\n  "name": "ada"\n}\n', 201),
  });
  t.equal(
    f.format(post),
    [
      '12:00:01.123 #2 http POST /users {"name":"ada","password":"*******"} -> 201 OK (3.0 ms)',
      '    {"id":7,"name":"ada"}',
    ].join('\n'),
    'pretty JSON folded onto one line',
  );
  const get = (url: string, response: Ex['response']) =>
    ex({ conn: 2, start: at, protocol: 'http', request: { text: `GET ${url}` }, response });
  const page = get('/', {
    text: '200 OK',
    status: 200,
    headers: { 'content-type': 'text/html' },
    body: '<html>',
  });
  t.equal(f.format(page), '12:00:01.123 #2 http GET / -> 200 OK', 'a page adds no lines');
  const log = 'line 1\nline 2\nline 3\nline 4\n';
  const text = get('/log', {
    text: '500 Internal Server Error',
    status: 500,
    body: log,
    bodyBytes: 24,
  });
  t.same(f.format(text)!.split('\n').slice(1), [
    '    line 1',
    '    line 2',
    '    line 3',
    '    … 1 more line',
  ]);
  const cut = get('/big', { ...json('{"items":[1,2,3'), bodyBytes: 90_000 });
  t.same(f.format(cut)!.split('\n').slice(1), ['    {"items":[1,2,3', '    … 90000 B in all']);
  t.equal(
    new Formatter({ ...base, rows: 0 }).format(post)!.split('\n').length,
    1,
    '--rows 0 hides bodies too',
  );
});

t.test('frames are hidden once their protocol has exchanges, unless --frames', async (t) => {
  const events: CaptureEvent[] = [
    openEvent(3),
    msg(3, 'client', 'Query', 'select 1'),
    msg(3, 'server', 'CommandComplete', 'SELECT 1'),
    select,
    msg(3, 'client', 'Query', 'select 2'),
    select,
    closeEvent(3),
  ];
  const shown = (o: FormatOptions) => events.map((e) => new Formatter(o).format(e)).filter(Boolean);
  const f = new Formatter(base);
  const lines = events.map((e) => f.format(e)).filter((l) => l !== undefined);
  t.equal(lines.length, 6, 'open, the two frames before the first exchange, two exchanges, close');
  t.notOk(
    lines.some((l) => l.includes('Query select 2')),
    'the frame after it is hidden',
  );
  const ff = new Formatter({ ...base, frames: true });
  t.ok(
    events.map((e) => ff.format(e)).some((l) => l?.includes('Query select 2')),
    '--frames shows it',
  );
  t.ok(shown(base).length > 0);
});

t.test('after a decoder fallback, every later chunk of both directions is shown raw', async (t) => {
  const f = new Formatter(base);
  const seq: CaptureEvent[] = [
    openEvent(7),
    data(7, 'client', 'hello there\n', 'redis'),
    { ...msg(7, 'client', 'command', 'HELLO there'), protocol: 'redis' },
    {
      type: 'error',
      time: at,
      level: 40,
      msg: 'lost',
      code: 'DECODE_FALLBACK',
      message: 'redis decoder lost track',
      conn: 7,
    },
    data(7, 'server', 'Hi! This is not RESP at all.\n', 'redis'),
    data(7, 'client', 'more text\n'),
  ];
  const out = seq.map((e) => f.format(e));
  t.equal(out[1], undefined, 'a decoded chunk: hidden (its message says it)');
  t.match(
    out[4],
    /#7 <- 29 B "Hi! This is not RESP at all\.\\n"/,
    "the server's answer after the fallback",
  );
  t.match(out[5], /#7 -> 10 B "more text\\n"/);
  t.equal(
    f.format(data(8, 'server', 'x', 'redis')),
    undefined,
    'other connections are not affected',
  );
});

t.test('--filter: only matching exchanges; errors stay', async (t) => {
  const f = new Formatter({ ...base, filter: parseFilter('error') });
  t.equal(f.format(openEvent(3)), undefined);
  t.equal(f.format(select), undefined);
  t.equal(f.format(msg(3, 'client', 'Query', 'x')), undefined);
  const err = ex({
    conn: 3,
    start: at,
    latencyMs: 1,
    request: { text: 'x' },
    response: { text: 'ERR', error: { code: 'ERR', message: 'no' } },
  });
  t.match(f.format(err), /#3 pg {2}x -> ERR/);
  t.match(
    f.format({ type: 'error', time: at, level: 50, msg: 'e', code: 'X', message: 'boom' }),
    /error boom/,
  );
  t.equal(f.format(closeEvent(3)), undefined);
});

t.test('every event kind, to the character, without colour', async (t) => {
  const f = new Formatter(base);
  const T = '12:00:01.123';
  const ev = (e: Record<string, unknown>): CaptureEvent =>
    ({ time: at, level: 30, msg: 'm', ...e }) as unknown as CaptureEvent;
  const lines: [CaptureEvent, string | undefined][] = [
    [ev({ type: 'header', format: 'looptap-capture', version: 2, looptap: '0' }), undefined],
    [
      ev({
        type: 'listening',
        listen: '127.0.0.1:1',
        target: '127.0.0.1:2',
        mode: 'tcp',
        decode: 'auto',
      }),
      'listening on 127.0.0.1:1 -> 127.0.0.1:2 (tcp, decode auto)',
    ],
    [{ ...openEvent(4), time: at }, `${T} #4 open 127.0.0.1:50000 -> 127.0.0.1:2`],
    [
      { ...data(4, 'client', 'clear the \u001b[2J screen'), redacted: 2 },
      `${T} #4 -> 21 B "clear the \\x1b[2J screen" (2 B redacted)`,
    ],
    [data(4, 'server', '\u0000\u0001\u00ff'), `${T} #4 <- 4 B 00 01 c3 bf |....|`],
    [ev({ type: 'end', conn: 4, from: 'server' }), `${T} #4 <- FIN (server ends sending)`],
    [
      ev({ type: 'error', level: 50, code: 'X', message: 'bad\nline\u2028', conn: 4 }),
      `${T} #4 error bad\\nline\\u2028`,
    ],
    [ev({ type: 'error', level: 50, code: 'X', message: 'no conn' }), `${T} error no conn`],
    [
      ev({ type: 'gap', conn: 4, from: 'client', offset: 10, len: 5, reason: 'lost' }),
      `${T} #4 -> gap of 5 B at 10: lost`,
    ],
    [
      { ...closeEvent(4), time: at },
      `${T} #4 close client_fin (client 10 B, server 20 B, 100.0 ms)`,
    ],
  ];
  for (const [e, want] of lines) t.equal(f.format(e), want, e.type);
});

t.test(
  'frame lines: summary escaped and cut, a name-only summary left out, errors named',
  async (t) => {
    const f = new Formatter({ ...base, width: 12 });
    const T = '12:00:01.123';
    t.equal(
      f.format(msg(1, 'client', 'Query', 'select\t1')),
      `${T} #1 -> postgres Query select\\t1`,
    );
    t.equal(
      f.format(msg(1, 'client', 'Query', 'select 1234567890')),
      `${T} #1 -> postgres Query select 1234…`,
      'cut to the width with an ellipsis',
    );
    t.equal(f.format(msg(1, 'client', 'Sync', 'Sync')), `${T} #1 -> postgres Sync`);
    const answer = { ...msg(1, 'server', 'ErrorResponse', '22012'), level: 50, latencyMs: 0.4 };
    t.equal(f.format(answer), `${T} #1 <- ErrorResponse 22012 (0.40 ms)`, 'no protocol on answers');
    const red = new Formatter({ ...base, color: true }).format(answer)!;
    t.ok(red.includes('\x1b[31mErrorResponse\x1b[0m'), 'an error answer is red');
    t.ok(red.includes('\x1b[35m<-\x1b[0m'), 'server arrows in magenta');
  },
);

t.test(
  'routes: shown, and the same connection number on two routes is two connections',
  async (t) => {
    const f = new Formatter(base);
    t.match(f.format(openEvent(1, 'pg')), /^\S+ \[pg\] #1 open /);
    f.format({ ...msg(1, 'client', 'Query', 'x'), route: 'pg' });
    t.equal(f.format({ ...data(1, 'client', 'raw'), route: 'pg' }), undefined, 'decoded: hidden');
    t.match(f.format({ ...data(1, 'client', 'raw'), route: 'redis' }), /\[redis\] #1 -> 3 B "raw"/);
    f.format(closeEvent(1, 'pg'));
    t.match(
      f.format({ ...data(1, 'client', 'again'), route: 'pg' }),
      /\[pg\] #1 -> 5 B/,
      'a closed connection forgets it was decoded: the next #1 is a new one',
    );
  },
);

t.test('clock: local time of day to the millisecond', async (t) => {
  t.equal(clock(new Date(2026, 4, 6, 7, 8, 9, 5).getTime()), '07:08:09.005');
  t.equal(clock(new Date(2026, 4, 6, 23, 59, 59, 999).getTime()), '23:59:59.999');
});

t.test('clock: the cached second never leaks into another second', async (t) => {
  // the reference: a Date of its own for every call
  const ref = (ms: number): string => {
    const d = new Date(ms);
    const p = (n: number, w = 2): string => String(n).padStart(w, '0');
    return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
  };
  // fractional times (exchange starts), the same second twice, back in time, and each side of a
  // second, a minute and a day
  const day = new Date(2026, 11, 2, 23, 59, 59, 998).getTime();
  const times = [
    day,
    day + 0.7,
    day + 1,
    day + 1.999,
    day + 2,
    day + 2.5,
    day + 1001,
    day - 1000,
    day,
    day - 59_000.25,
    1_796_249_313_620.027,
    1_796_249_313_620.999,
    0,
    999.9,
  ];
  for (const ms of times) t.equal(clock(ms), ref(ms), String(ms));
});
