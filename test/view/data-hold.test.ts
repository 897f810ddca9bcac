// `looptap view` holds a connection's chunks until its first frame tells whether a decoder read
// them (src/view/data-hold.ts): decoded, they go after the frame (and the formatter hides them);
// a raw connection's chunks come out in order, before its FIN; bounded per connection.
import t from 'tap';
import { DataHold } from '../../src/view/data-hold.js';
import type { CaptureEvent, DataEvent, MessageEvent } from '../../src/events.js';
import { openEvent, closeEvent } from '../helpers/exchanges.js';

const data = (conn: number, seq: number, len = 10): DataEvent => ({
  type: 'data',
  time: 0,
  level: 30,
  msg: 'data',
  conn,
  from: 'client',
  seq,
  offset: seq * len,
  len,
  bytes: Buffer.alloc(len),
});
const frame = (conn: number): MessageEvent => ({
  type: 'message',
  time: 0,
  level: 30,
  msg: 'command PING',
  conn,
  from: 'client',
  protocol: 'redis',
  name: 'command',
  fields: { summary: 'PING' },
});
const fin = (conn: number): CaptureEvent => ({
  type: 'end',
  time: 0,
  level: 30,
  msg: 'FIN',
  conn,
  from: 'client',
});
const kinds = (es: CaptureEvent[]): string[] =>
  es.map((e) => `${e.type}${'seq' in e ? e.seq : ''}#${'conn' in e ? e.conn : ''}`);

t.test('a decoded connection: its first chunk goes after its first frame', async (t) => {
  const h = new DataHold();
  t.same(kinds(h.push(openEvent(1))), ['open#1']);
  t.same(h.push(data(1, 0)), [], 'held');
  t.same(kinds(h.push(frame(1))), ['message#1', 'data0#1']);
  t.same(kinds(h.push(data(1, 1))), ['data1#1'], 'decided: no more holding');
});

t.test('a raw connection: its chunks in order before the FIN; others pass by', async (t) => {
  const h = new DataHold();
  h.push(openEvent(2));
  t.same(h.push(data(2, 0)), []);
  t.same(h.push(data(2, 1)), []);
  t.same(kinds(h.push(frame(3))), ['message#3'], 'another connection is not held back');
  t.same(kinds(h.push(fin(2))), ['data0#2', 'data1#2', 'end#2']);
  t.same(kinds(h.push(closeEvent(2))), ['close#2']);
  t.same(h.push(data(2, 2)), [], 'a new connection with the same id is held again');
  t.same(kinds(h.flush()), ['data2#2'], 'the end of the capture releases it');
});

t.test('bounded: 16 chunks are released undecided', async (t) => {
  const h = new DataHold();
  for (let i = 0; i < 15; i++) t.same(h.push(data(4, i)), []);
  t.equal(h.push(data(4, 15)).length, 16);
  t.equal(h.push(data(4, 16)).length, 1);
  t.same(kinds(new DataHold().push(data(5, 0, 64 * 1024))), ['data0#5'], 'or 64 KiB');
});
