// Forwarding stays byte-exact through the fault layer: with no toxic, with a toxic on the other
// stream, and through latency + bandwidth + slicer (which change timing and chunking, never
// bytes): sha256 of 8 MiB echoed through a proxy equals the sha256 sent. limit_data passes
// exactly its bytes, then closes.

import net from 'node:net';
import { once } from 'node:events';
import t from 'tap';
import { payload, sha256, startEcho, startServer } from '../helpers/net.js';
import { startFaultApi, portOf } from './setup.js';

const SIZE = 8 * 1024 * 1024;

async function echoThrough(port: number, data: Buffer): Promise<string> {
  const s = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
  await once(s, 'connect');
  const parts: Buffer[] = [];
  s.on('data', (c: Buffer) => parts.push(c));
  const ended = once(s, 'end');
  s.end(data);
  await ended;
  s.destroy();
  return sha256(parts);
}

t.test('sha256 through a proxy with and without toxics', async (t) => {
  const echo = await startEcho(t);
  const { toxiproxy } = await startFaultApi(t);
  const proxy = await toxiproxy.createProxy({
    name: 'echo',
    listen: '127.0.0.1:0',
    upstream: echo.address,
  });
  const port = portOf(proxy.listen);
  const data = payload(13, SIZE);
  const want = sha256(data);
  t.equal(await echoThrough(port, data), want, 'no toxic');

  const lat = await proxy.addToxic({
    name: 'lat',
    type: 'latency',
    stream: 'downstream',
    toxicity: 1,
    attributes: { latency: 5, jitter: 3 },
  });
  t.equal(await echoThrough(port, data), want, 'latency with jitter on the answers');
  const slicer = await proxy.addToxic({
    name: 'sl',
    type: 'slicer',
    stream: 'upstream',
    toxicity: 1,
    attributes: { average_size: 700, size_variation: 300, delay: 0 },
  });
  const bw = await proxy.addToxic({
    name: 'bw',
    type: 'bandwidth',
    stream: 'upstream',
    toxicity: 1,
    attributes: { rate: 50_000 },
  });
  t.equal(await echoThrough(port, data), want, 'slicer + bandwidth upstream, latency downstream');
  await Promise.all([lat.remove(), slicer.remove(), bw.remove()]);
  t.equal(await echoThrough(port, data), want, 'after the toxics are removed');
});

t.test('limit_data passes exactly its bytes, then closes', async (t) => {
  const got: Buffer[] = [];
  let ended!: () => void;
  const serverEnded = new Promise<void>((r) => (ended = r));
  const sink = await startServer(t, (s) => {
    s.on('data', (c: Buffer) => got.push(c));
    s.on('end', () => ended());
  });
  const { toxiproxy } = await startFaultApi(t);
  const proxy = await toxiproxy.createProxy({
    name: 'sink',
    listen: '127.0.0.1:0',
    upstream: sink.address,
  });
  await proxy.addToxic({
    name: 'cap',
    type: 'limit_data',
    stream: 'upstream',
    toxicity: 1,
    attributes: { bytes: 1000 },
  });
  const s = net.connect({ host: '127.0.0.1', port: portOf(proxy.listen) });
  s.on('error', () => undefined);
  await once(s, 'connect');
  const data = payload(5, 64 * 1024);
  s.write(data);
  await once(s, 'close');
  await serverEnded;
  t.equal(Buffer.concat(got).length, 1000);
  t.ok(Buffer.concat(got).equals(data.subarray(0, 1000)), 'the first 1000 bytes, unchanged');
});
