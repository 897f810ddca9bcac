// Frames beside exchanges (docs/exchanges.md, "Frames, chunks and connections"): live, every
// frame of a protocol that builds exchanges is hidden from the first one, but each connection's
// login and an error outside any exchange (a failed login) stay; read back from a capture, frames
// show until the protocol's first exchange, and after it an error shows only on a connection
// that has had no exchange.
import t from 'tap';
import { Formatter, type FormatOptions } from '../../src/view/format.js';
import type { MessageEvent } from '../../src/events.js';
import { ex } from '../helpers/exchanges.js';

const base: FormatOptions = { color: false, preview: 32, showData: false, width: 120 };
const live: FormatOptions = { ...base, exchangeProtocols: ['postgres', 'mysql', 'redis', 'http'] };

function frame(conn: number, name: string, summary: string, extra: Partial<MessageEvent> = {}) {
  const e: MessageEvent = {
    type: 'message',
    time: 0,
    level: 30,
    msg: name,
    conn,
    from: name === 'StartupMessage' ? 'client' : 'server',
    protocol: 'postgres',
    name,
    fields: { summary },
    ...extra,
  };
  return e;
}
const login = (conn: number): MessageEvent =>
  frame(conn, 'StartupMessage', 'user=app database=shop');
const fatal = (conn: number, standalone?: true): MessageEvent =>
  frame(conn, 'ErrorResponse', 'FATAL 28P01: password authentication failed for user "app"', {
    level: 40,
    ...(standalone ? { standalone } : {}),
  });
const failed = (conn: number): MessageEvent =>
  frame(conn, 'ErrorResponse', 'ERROR 22012: division by zero', { level: 40 });
const select = (conn: number) =>
  ex({ conn, request: { text: 'select 1', sql: 'select 1' }, response: { text: 'SELECT 1' } });

t.test('live: logins and standalone errors only, from the first frame', async (t) => {
  const f = new Formatter(live);
  t.match(f.format(login(1)), /#1 -> postgres StartupMessage user=app database=shop$/);
  t.equal(
    f.format(frame(1, 'AuthenticationOk', 'authenticated')),
    undefined,
    'before any exchange',
  );
  t.equal(f.format(frame(1, 'Query', 'select 1')), undefined);
  // an error that answered a query comes on its exchange line, not twice
  t.equal(f.format(failed(1)), undefined, 'a first query that failed');
  t.match(f.format(login(2)), /#2 -> postgres StartupMessage/);
  t.match(f.format(fatal(2, true)), /#2 <- ErrorResponse FATAL 28P01: password authentication/);
  t.equal(f.format(fatal(3)), undefined, 'an error its decoder did not mark standalone');
  t.equal(f.showsFrames('postgres'), false, 'the Observer need build no other frame');
});

t.test('live with --frames: everything', async (t) => {
  const f = new Formatter({ ...live, frames: true });
  t.match(f.format(frame(1, 'Query', 'select 1')), /Query select 1/);
  t.match(f.format(failed(1)), /22012/);
  t.equal(f.showsFrames('postgres'), true);
});

t.test(
  'a capture read back: frames until the first exchange, then logins and errors of connections without one',
  async (t) => {
    const f = new Formatter(base);
    t.match(
      f.format(frame(1, 'Query', 'select 1')),
      /Query select 1/,
      'a v0.1 capture shows frames',
    );
    t.match(f.format(select(1)), /select 1 -> SELECT 1/);
    t.equal(f.format(frame(1, 'Query', 'select 1')), undefined);
    t.equal(f.format(failed(1)), undefined, 'conn 1 has exchanges: its errors are on them');
    t.match(f.format(login(2)), /#2 -> postgres StartupMessage/);
    t.match(f.format(fatal(2)), /#2 <- ErrorResponse FATAL 28P01/, 'no exchange on conn 2 yet');
    t.equal(f.format(frame(2, 'AuthenticationOk', 'authenticated')), undefined);
  },
);

// an event stream's events and WebSocket frames come after their exchange, and no exchange
// carries them: the live view showed `GET /chat -> 101` and then nothing until the close
t.test('live: the frames of a stream show beside the exchanges', async (t) => {
  const f = new Formatter(live);
  const http = (name: string, summary: string, from: 'client' | 'server') =>
    frame(1, name, summary, { protocol: 'http', from });
  t.match(
    f.format(http('websocket', 'text 5 B: hello', 'client')),
    /#1 -> http websocket text 5 B: hello$/,
  );
  t.match(f.format(http('sse', 'tick: {"n":1}', 'server')), /#1 <- sse tick: \{"n":1\}$/);
  t.equal(
    f.format(http('response', '200 OK', 'server')),
    undefined,
    'other HTTP frames stay hidden',
  );
});
