// WebSockets through HTTP mode: a `ws` echo server behind looptap; text, binary, ping and close
// frames are logged both ways with their payloads; the frame reader is checked on its own with
// masked, fragmented and extended-length frames split at every byte.

import t from 'tap';
import net from 'node:net';
import { once } from 'node:events';
import { WebSocket, WebSocketServer } from 'ws';
import { payload, sha256 } from '../helpers/net.js';
import { body64, messages, startProxy, waitMessage } from './helpers.js';
import { WsParser, type WsMessage } from '../../src/http/websocket-tap.js';

t.test('echo through looptap: text, binary and close logged both ways', async (t) => {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await once(wss, 'listening');
  t.teardown(
    () =>
      new Promise<void>((r) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => r());
      }),
  );
  wss.on('connection', (ws) =>
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })),
  );
  const { mem, proxy } = await startProxy(t, {
    target: String((wss.address() as net.AddressInfo).port),
  });

  const ws = new WebSocket(`ws://${proxy.address}/chat?room=1`);
  await once(ws, 'open');
  const replies: Buffer[] = [];
  ws.on('message', (d: Buffer) => replies.push(Buffer.from(d)));
  const bin = payload(5, 70_000); // > 65535: the 64-bit length form
  ws.send('hello looptap');
  ws.send(bin);
  while (replies.length < 2) await once(ws, 'message');
  t.equal(replies[0]!.toString(), 'hello looptap');
  t.equal(sha256(replies[1]!), sha256(bin), 'binary echoed intact');
  ws.close(4001, 'bye now');
  await once(ws, 'close');

  const up = await waitMessage(mem, 'upgrade');
  t.equal(up.fields.status, 101);
  t.equal(up.fields.upgrade, 'websocket');
  // the handshake is the connection's exchange (it had none: the view, the UI and filters
  // showed the connection empty)
  const xs = mem.events.filter((e) => e.type === 'exchange');
  t.match(xs, [{ request: { method: 'GET', url: '/chat?room=1' }, response: { status: 101 } }]);
  const req = messages(mem, 'request')[0]!;
  t.equal(req.fields.url, '/chat?room=1');
  await mem.waitFor(
    (e) =>
      e.type === 'message' &&
      e.name === 'websocket' &&
      e.from === 'server' &&
      e.fields.opcode === 'close',
  );
  const frames = messages(mem, 'websocket').map((m) => [
    m.from,
    m.fields.opcode,
    m.fields.bodyLength,
  ]);
  t.same(frames, [
    ['client', 'text', 13],
    ['client', 'binary', 70_000],
    ['server', 'text', 13],
    ['server', 'binary', 70_000],
    ['client', 'close', 9],
    ['server', 'close', 9],
  ]);
  const ws0 = messages(mem, 'websocket');
  t.equal(body64(ws0[0]!).toString(), 'hello looptap', 'client text unmasked');
  t.equal(ws0[0]!.fields.summary, 'text 13 B: hello looptap');
  t.equal(sha256(body64(ws0[3]!)), sha256(bin.subarray(0, 65536)), 'binary kept up to the cap');
  t.equal(ws0[3]!.fields.truncated, true);
  t.equal(ws0[4]!.fields.code, 4001);
  t.equal(ws0[4]!.fields.reason, 'bye now');
  t.equal(new Set(ws0.map((m) => m.fields.id)).size, 1, 'frames carry the upgrade request id');
});

t.test(
  'an upstream that refuses the upgrade: its answer passes through and is logged',
  async (t) => {
    const http = await import('node:http');
    const server = http.createServer((_req, res) => res.end());
    server.on('upgrade', (_req, socket: net.Socket) =>
      socket.end('HTTP/1.1 404 Not Found\r\ncontent-length: 4\r\nconnection: close\r\n\r\nnope'),
    );
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    t.teardown(() => server.close());
    const { mem, proxy } = await startProxy(t, {
      target: String((server.address() as net.AddressInfo).port),
    });
    const ws = new WebSocket(`ws://${proxy.address}/`);
    const [err] = (await once(ws, 'error')) as [Error];
    t.match(err.message, /404/);
    const res = await waitMessage(mem, 'response');
    t.equal(res.fields.status, 404);
  },
);

function frame(opcode: number, data: Buffer, fin = true, mask = true): Buffer {
  const len = data.length;
  const head =
    len < 126
      ? [len]
      : len < 65536
        ? [126, len >> 8, len & 255]
        : [127, 0, 0, 0, 0, (len >>> 24) & 255, (len >> 16) & 255, (len >> 8) & 255, len & 255];
  const key = Buffer.from([1, 2, 3, 250]);
  const body = Buffer.from(data);
  if (mask) for (let i = 0; i < body.length; i++) body[i]! ^= key[i & 3]!;
  return Buffer.concat([
    Buffer.from([(fin ? 0x80 : 0) | opcode, (mask ? 0x80 : 0) | head[0]!, ...head.slice(1)]),
    mask ? key : Buffer.alloc(0),
    body,
  ]);
}

const strip = (ms: WsMessage[]) => ms.map((m) => ({ ...m, payload: m.payload.toString('hex') }));

t.test('frame reader: fragments, interleaved ping, every split point, 1-byte chunks', (t) => {
  const stream = Buffer.concat([
    frame(0x1, Buffer.from('hel'), false),
    frame(0x9, Buffer.from('pi')),
    frame(0x0, Buffer.from('lo'), true),
    frame(0x2, payload(1, 300), true, false),
    frame(0x8, Buffer.concat([Buffer.from([0x03, 0xe8]), Buffer.from('done')])),
  ]);
  const whole = new WsParser(100).push(stream);
  t.same(
    whole.map((m) => [m.kind, m.length]),
    [
      ['ping', 2],
      ['text', 5],
      ['binary', 300],
      ['close', 6],
    ],
  );
  t.equal(whole[1]!.payload.toString(), 'hello');
  t.equal(whole[2]!.payload.length, 100, 'payload kept up to the cap');
  t.equal(whole[3]!.code, 1000);
  t.equal(whole[3]!.reason, 'done');
  for (let i = 1; i < stream.length; i++) {
    const p = new WsParser(100);
    const got = [...p.push(stream.subarray(0, i)), ...p.push(stream.subarray(i))];
    if (JSON.stringify(strip(got)) !== JSON.stringify(strip(whole))) {
      t.fail(`split at ${i} differs`);
      return t.end();
    }
  }
  const p = new WsParser(100);
  const bytes = [...stream].flatMap((b) => p.push(Buffer.from([b])));
  t.same(strip(bytes), strip(whole), '1-byte chunks');
  t.end();
});

t.test('frame reader: an impossible length stops it without throwing', (t) => {
  const p = new WsParser(10);
  const bad = Buffer.from([0x82, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
  t.same(p.push(bad), []);
  t.ok(p.failed);
  t.same(p.push(Buffer.from('more')), []);
  t.end();
});
