// Shared pieces of the HTTP-mode tests: a real Node origin on 127.0.0.1:0 that counts its
// connections, looptap http in-process with a MemorySink, and raw-socket requests for the
// cases an HTTP client library would refuse to send.

import http from 'node:http';
import net from 'node:net';
import { once } from 'node:events';
import {
  startHttpProxy,
  type HttpProxy,
  type HttpProxyOptions,
} from '../../src/http/http-proxy-server.js';
import { MemorySink } from '../../src/capture/memory-sink.js';
import type { MessageEvent } from '../../src/events.js';
import type { Teardown } from '../helpers/net.js';

export interface Origin {
  server: http.Server;
  port: number;
  /** TCP connections the origin accepted */
  connections: number;
  sockets: Set<net.Socket>;
}

export async function startOrigin(
  t: Teardown,
  handler: (req: http.IncomingMessage, res: http.ServerResponse) => void,
): Promise<Origin> {
  const server = http.createServer(handler);
  const o: Origin = { server, port: 0, connections: 0, sockets: new Set() };
  server.on('connection', (s: net.Socket) => {
    o.connections++;
    o.sockets.add(s);
    s.on('close', () => o.sockets.delete(s));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  o.port = (server.address() as net.AddressInfo).port;
  t.teardown(
    () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        for (const s of o.sockets) s.destroy();
        server.close(() => r());
      }),
  );
  return o;
}

export async function startProxy(
  t: Teardown,
  options: Omit<HttpProxyOptions, 'sinks'>,
): Promise<{ proxy: HttpProxy; mem: MemorySink; base: string }> {
  const mem = new MemorySink();
  const proxy = await startHttpProxy({ ...options, sinks: [mem] });
  t.teardown(() => proxy.close(0));
  return { proxy, mem, base: `http://${proxy.address}` };
}

export function messages(mem: MemorySink, name?: string): MessageEvent[] {
  return mem.messages('http').filter((m) => name === undefined || m.name === name);
}

export const waitMessage = (
  mem: MemorySink,
  name: string,
  pred: (m: MessageEvent) => boolean = () => true,
  ms = 10_000,
) =>
  mem.waitFor(
    (e) => e.type === 'message' && e.name === name && pred(e),
    ms,
  ) as Promise<MessageEvent>;

/** sends raw bytes and collects everything until the server closes (or `ms` pass) */
export async function rawExchange(
  port: number,
  bytes: Buffer | string,
  ms = 3000,
): Promise<string> {
  const s = net.connect({ host: '127.0.0.1', port });
  s.on('error', () => undefined);
  await once(s, 'connect');
  s.write(bytes);
  const chunks: Buffer[] = [];
  s.on('data', (c: Buffer) => chunks.push(c));
  await Promise.race([once(s, 'close'), new Promise((r) => setTimeout(r, ms))]);
  s.destroy();
  return Buffer.concat(chunks).toString('latin1');
}

export const body64 = (m: MessageEvent): Buffer =>
  Buffer.from(typeof m.fields.body === 'string' ? m.fields.body : '', 'base64');
