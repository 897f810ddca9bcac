// The live stream stays bounded whatever the rate: 200,000 exchanges appended while a client
// does not read keep at most 1,000 rows pending for it, and the batch it then gets holds at most
// 500 rows and says how many were skipped. A real socket on loopback, a real ExchangeStore.

import t from 'tap';
import http from 'node:http';
import net from 'node:net';
import { once } from 'node:events';
import { ExchangeStore } from '../../src/store/exchange-store.js';
import { LiveStream } from '../../src/ui/stream.js';
import { exchange } from './helpers.js';

t.test('a client that does not read costs a bounded amount', async (t) => {
  const store = new ExchangeStore();
  const live = new LiveStream(store);
  t.teardown(() => live.close());
  const server = http.createServer((req, res) => live.open(req, res, (x) => x.conn === 1));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(() => server.close());
  const port = (server.address() as net.AddressInfo).port;
  const sock = net.connect(port, '127.0.0.1');
  t.teardown(() => sock.destroy());
  sock.write('GET /api/stream HTTP/1.1\r\nHost: x\r\n\r\n');
  let text = '';
  sock.setEncoding('utf8');
  const hello = new Promise<void>((resolve) => {
    const onData = (c: string): void => {
      text += c;
      if (text.includes('event: hello')) {
        sock.off('data', onData);
        sock.pause();
        resolve();
      }
    };
    sock.on('data', onData);
  });
  await hello;
  t.equal(live.size, 1);
  for (let i = 1; i <= 200_000; i++) store.append(exchange({ id: i, conn: i % 10 === 0 ? 2 : 1 }));
  t.ok(live.pendingRows <= 1000, `${live.pendingRows} rows pending after 200,000`);
  t.equal(store.stats().inMemory, 10_000, 'the store window too');

  text = '';
  const batch = new Promise<{ items: { id: number; conn: number }[]; skipped: number }>(
    (resolve) => {
      sock.on('data', (c: string) => {
        text += c;
        const m = /event: batch\ndata: (.*)\n\n/.exec(text);
        if (m) resolve(JSON.parse(m[1]!));
      });
    },
  );
  sock.resume();
  const b = await batch;
  t.ok(b.items.length <= 500, `${b.items.length} rows in the batch`);
  t.ok(
    b.items.every((r) => r.conn === 1),
    "the client's filter applied on the server",
  );
  t.equal(b.items[b.items.length - 1]!.id, 199_999, 'the newest matching row is there');
  t.equal(b.skipped + b.items.length, 180_000, 'what was left out is counted');
});
