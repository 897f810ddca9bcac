// The capture's lines (src/capture/line-format.ts, docs/capture-format.md). Message and data lines
// are built by hand for speed; the promise that makes that safe is that each is, byte for byte,
// JSON.stringify of the record the line stands for. Checked over hostile text (unicode, control
// characters, lone surrogates, quotes, U+2028), undefined and non-finite fields, then every line
// kind back through fromLine, and what fromLine refuses.

import t from 'tap';
import {
  base64Into,
  dataMsg,
  dataRefLine,
  fromLine,
  lineText,
  payloadOf,
  toLine,
  toRecord,
} from '../../src/capture/line-format.js';
import type { CaptureEvent, DataEvent, MessageEvent } from '../../src/events.js';
import { prng } from '../helpers/feed.js';

const NASTY = [
  '',
  'plain',
  'caf\u00e9 \u65e5\u672c \u{1f600}',
  '"quoted" \\back\\slash/',
  '\u0000\u0001\u0007\b\t\n\v\f\r\u001b\u001f\u007f',
  '\u2028\u2029',
  '\ud800',
  'x\udc00y',
  '\udbff\udfff',
  '\u{1f600}'.slice(0, 1) + 'cut',
];

function nastyString(rand: () => number): string {
  let s = '';
  const n = Math.floor(rand() * 4);
  for (let i = 0; i < n; i++) s += NASTY[Math.floor(rand() * NASTY.length)];
  return s;
}

/** a field value of any JSON-ish shape, including those JSON.stringify drops or rewrites */
function value(rand: () => number, depth = 0): unknown {
  switch (Math.floor(rand() * (depth > 2 ? 7 : 9))) {
    case 0:
      return nastyString(rand);
    case 1:
      return [0, -0, 1.5, -42, 1e21, 2 ** 53, NaN, Infinity][Math.floor(rand() * 8)];
    case 2:
      return rand() < 0.5;
    case 3:
      return null;
    case 4:
      return undefined;
    case 5:
      return Math.floor(rand() * 100_000);
    case 6:
      return new Date(Date.UTC(2026, 0, 1, 0, 0, 0, Math.floor(rand() * 1000)));
    case 7:
      return Array.from({ length: Math.floor(rand() * 4) }, () => value(rand, depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      for (let i = Math.floor(rand() * 4); i > 0; i--)
        o[nastyString(rand)] = value(rand, depth + 1);
      return o;
    }
  }
}

const at = Date.UTC(2026, 0, 1, 12, 0, 0);

function message(rand: () => number): MessageEvent {
  const fields: Record<string, unknown> = {};
  // reserved names are in the list: the line must drop them whichever way it is built; so is
  // __proto__ (a field read back from a capture can have that name). Not in it: integer-like
  // names, which any JS object (the record) moves to the front; decoders use fixed names
  const names = [
    'sql',
    'params',
    'type',
    'conn',
    'x-header',
    '__proto__',
    nastyString(rand),
    'latencyMs',
  ];
  for (const k of names) {
    if (rand() < 0.6) Object.defineProperty(fields, k, { value: value(rand), enumerable: true });
  }
  const e: MessageEvent = {
    type: 'message',
    time: at + rand() * 1000,
    level: 30,
    msg: nastyString(rand),
    conn: Math.floor(rand() * 1000),
    from: rand() < 0.5 ? 'client' : 'server',
    protocol: 'postgres',
    name: nastyString(rand) || 'Query',
    fields,
  };
  if (rand() < 0.5) e.route = nastyString(rand);
  if (rand() < 0.5) e.latencyMs = rand() < 0.2 ? NaN : rand() * 10;
  return e;
}

t.test('a message line is JSON.stringify of its record, byte for byte', (t) => {
  const bad: string[] = [];
  for (let seed = 1; seed <= 2000; seed++) {
    const e = message(prng(seed));
    const want = JSON.stringify(toRecord(e)) + '\n';
    if (lineText(e) !== want) bad.push(`seed ${seed}: ${lineText(e)} vs ${want}`);
    else if (!toLine(e).equals(Buffer.from(want, 'utf8'))) bad.push(`seed ${seed}: toLine`);
  }
  t.same(bad, [], '2000 seeded messages');
  t.end();
});

t.test(
  'message records: fields merged at the top level, reserved names and undefined left out',
  (t) => {
    const e: MessageEvent = {
      type: 'message',
      time: at,
      level: 30,
      msg: 'Query',
      conn: 7,
      from: 'client',
      protocol: 'postgres',
      name: 'Query',
      latencyMs: undefined,
      fields: { sql: 'select \u2028\ud800', conn: 99, type: 'evil', gone: undefined, n: Infinity },
    };
    const line = lineText(e);
    t.equal(
      line,
      '{"time":' +
        at +
        ',"level":30,"msg":"Query","type":"message","conn":7,"from":"client","protocol":"postgres",' +
        '"name":"Query","sql":"select \u2028\\ud800","n":null}\n',
    );
    const back = fromLine(line) as MessageEvent;
    t.equal(back.conn, 7, 'a field named conn does not overwrite the connection');
    t.same(back.fields, { sql: 'select \u2028\ud800', n: null }, 'the lone surrogate reads back');
    t.end();
  },
);

function data(rand: () => number, seq: number): DataEvent {
  const bytes = Buffer.from(Array.from({ length: Math.floor(rand() * 40) }, () => rand() * 256));
  const from = rand() < 0.5 ? 'client' : 'server';
  const truncated = rand() < 0.2;
  const len = truncated ? bytes.length + 1 + Math.floor(rand() * 100_000) : bytes.length;
  // the on-disk key order; msg is what the writer computes from len and from
  const e = { time: at + seq, level: 30, msg: dataMsg(len, from), type: 'data' } as DataEvent;
  if (rand() < 0.5) e.route = nastyString(rand);
  Object.assign(e, { conn: seq % 7, from, seq, offset: seq * 40, len, bytes });
  if (rand() < 0.3) e.redacted = 1 + Math.floor(rand() * 5);
  if (truncated) e.truncated = true;
  return e;
}

t.test('a data line is JSON.stringify of its record, byte for byte, and reads back', (t) => {
  const bad: string[] = [];
  for (let seed = 1; seed <= 1000; seed++) {
    const e = data(prng(seed), seed);
    const want = Buffer.from(JSON.stringify(toRecord(e)) + '\n', 'utf8');
    const line = toLine(e);
    if (!line.equals(want)) bad.push(`seed ${seed}: ${line.toString()} vs ${want.toString()}`);
    const back = fromLine(line.toString('utf8')) as DataEvent;
    if (!back.bytes.equals(e.bytes) || back.len !== e.len || back.route !== e.route)
      bad.push(`seed ${seed}: read back differs`);
  }
  t.same(bad, [], '1000 seeded chunks');
  t.end();
});

t.test('a data line writes what the format says, not what the live event carries', (t) => {
  const e: DataEvent = {
    type: 'data',
    time: at,
    level: 30,
    msg: 'anything',
    conn: 1,
    from: 'server',
    seq: 0,
    offset: 0,
    len: 3,
    bytes: Buffer.from('abc'),
    protocol: 'redis',
    redacted: 0,
  };
  const o = JSON.parse(toLine(e).toString()) as Record<string, unknown>;
  t.equal(o.msg, '3 bytes from server', 'msg comes from len and from');
  t.notOk('protocol' in o, 'the live-only protocol is not written');
  t.notOk('redacted' in o, 'redacted: 0 is left out');
  t.equal(o.data, 'YWJj');
  t.end();
});

t.test('dataMsg: the same text cached or not', (t) => {
  for (const len of [0, 1, 16383, 16384, 1e9, -1, NaN])
    for (const from of ['client', 'server', 'other'])
      t.equal(dataMsg(len, from), `${len} bytes from ${from}`, `${len} ${from}`);
  t.equal(dataMsg(5, 'client'), dataMsg(5, 'client'), 'twice the same');
  t.end();
});

t.test('a format-2 data line points into the payload file and reads back as a reference', (t) => {
  for (const truncated of [false, true]) {
    const e: DataEvent = {
      time: at,
      level: 30,
      msg: dataMsg(truncated ? 900 : 4, 'client'),
      type: 'data',
      route: 'r\u00e9',
      conn: 2,
      from: 'client',
      seq: 3,
      offset: 12,
      len: truncated ? 900 : 4,
      bytes: Buffer.from('wxyz'),
      ...(truncated ? { truncated: true } : {}),
    };
    const { data: _data, ...rest } = toRecord(e);
    const want = { ...rest, ...(truncated ? { stored: 4 } : {}), at: 4096 };
    const line = dataRefLine(e, 4096);
    t.equal(line, JSON.stringify(want) + '\n', `truncated: ${truncated}`);
    const back = fromLine(line) as DataEvent;
    t.same(payloadOf(back), { at: 4096, stored: 4 }, 'where the bytes are, and how many');
    t.equal(back.len, e.len, 'the original length');
    t.equal(back.bytes.length, 0, 'the reader fills the bytes in later');
  }
  t.end();
});

t.test('base64Into writes what Buffer.toString("base64") writes, and nothing around it', (t) => {
  const rand = prng(7);
  const bad: number[] = [];
  for (let n = 0; n < 200; n++) {
    const src = Buffer.from(Array.from({ length: n }, () => rand() * 256));
    const want = src.toString('base64');
    const dst = Buffer.alloc(want.length + 10, 0x21);
    const end = base64Into(src, dst, 5);
    const ok =
      end === 5 + want.length &&
      dst.subarray(5, end).toString('latin1') === want &&
      dst.subarray(0, 5).every((b) => b === 0x21) &&
      dst.subarray(end).every((b) => b === 0x21);
    if (!ok) bad.push(n);
  }
  t.same(bad, [], 'lengths 0 to 199');
  t.end();
});

const others: CaptureEvent[] = [
  {
    type: 'header',
    time: at,
    level: 30,
    msg: 'looptap capture',
    format: 'looptap-capture',
    version: 2,
    looptap: '0.1.0',
  },
  {
    type: 'listening',
    time: at,
    level: 30,
    msg: 'listening',
    listen: '127.0.0.1:1',
    target: '127.0.0.1:2',
    mode: 'tcp',
    decode: 'auto',
  },
  {
    type: 'open',
    time: at,
    level: 30,
    msg: 'open',
    route: '\u{1f600}\ud800',
    conn: 1,
    client: '127.0.0.1:3',
    listen: '127.0.0.1:1',
    target: '127.0.0.1:2',
  },
  { type: 'end', time: at, level: 30, msg: 'end', conn: 1, from: 'client' },
  {
    type: 'close',
    time: at,
    level: 30,
    msg: 'close',
    conn: 1,
    reason: 'client_fin',
    bytes: { client: 1, server: 2 },
    ms: 3.5,
  },
  { type: 'error', time: at, level: 50, msg: 'e', code: 'X', message: 'bad \u0000 "x"' },
  {
    type: 'gap',
    time: at,
    level: 40,
    msg: 'gap',
    conn: 1,
    from: 'server',
    offset: 10,
    len: 5,
    reason: 'r',
  },
  {
    type: 'exchange',
    time: at,
    level: 30,
    msg: 'select',
    conn: 1,
    protocol: 'postgres',
    id: 4,
    start: at,
    latencyMs: 0.25,
    request: { text: 'select $1 \u2028', params: ['\ud83d', null] },
    response: { text: 'SELECT 1', rows: 1 },
    txn: 'idle',
  },
];

t.test('every other line kind is its event as JSON and reads back the same', (t) => {
  for (const e of others) {
    const line = lineText(e);
    t.equal(line, JSON.stringify(e) + '\n', `${e.type}: the line`);
    t.ok(toLine(e).equals(Buffer.from(line, 'utf8')), `${e.type}: toLine is the same bytes`);
    t.same(fromLine(line), e, `${e.type}: read back`);
  }
  t.same(fromLine('{"type":"future","x":1}'), { type: 'future', x: 1 }, 'unknown types are kept');
  t.end();
});

t.test('fromLine refuses what is not a capture line, with the reason', (t) => {
  const refusals: [string, RegExp][] = [
    ['{"type":', /^not JSON/],
    ['[1]', /not a JSON object/],
    ['"text"', /not a JSON object/],
    ['null', /not a JSON object/],
    ['{"conn":1}', /no "type" field/],
    ['{"type":"data","from":"client","data":""}', /without "conn" and "from"/],
    ['{"type":"data","conn":1,"from":"elsewhere","data":""}', /without "conn" and "from"/],
    ['{"type":"data","conn":1,"from":"client","data":"ab$c"}', /valid base64/],
    ['{"type":"data","conn":1,"from":"client"}', /valid base64/],
    ['{"type":"data","conn":1,"from":"client","at":0}', /payload reference/],
    ['{"type":"data","conn":1,"from":"client","at":-1,"len":2}', /payload reference/],
  ];
  for (const [line, why] of refusals) t.throws(() => fromLine(line), why, line);
  t.end();
});
