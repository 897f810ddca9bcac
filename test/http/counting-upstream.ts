// A raw upstream built on net that frames HTTP/1.1 requests the way a strict server does
// (Content-Length or chunked, trailers) and records every request line it parses. A request
// hidden in another's body shows up here as an extra request line. Answers each with 200 "ok".

import net from 'node:net';
import { once } from 'node:events';
import type { Teardown } from '../helpers/net.js';

export interface CountingUpstream {
  port: number;
  requests: string[];
  /** header lines per request */
  headerCounts: number[];
}

export async function startCountingUpstream(t: Teardown): Promise<CountingUpstream> {
  const up: CountingUpstream = { port: 0, requests: [], headerCounts: [] };
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    let buf = Buffer.alloc(0);
    s.on('data', (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      for (;;) {
        const used = frame(buf, up);
        if (used === 0) break;
        buf = buf.subarray(used);
        s.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok');
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  up.port = (server.address() as net.AddressInfo).port;
  t.teardown(
    () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  );
  return up;
}

/** bytes used by one whole request at the start of buf, or 0 when it is not complete yet */
function frame(buf: Buffer, up: CountingUpstream): number {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) return 0;
  const lines = buf.subarray(0, end).toString('latin1').split('\r\n');
  const headers = lines.slice(1).map((l) => {
    const i = l.indexOf(':');
    return [l.slice(0, i).trim().toLowerCase(), l.slice(i + 1).trim()] as const;
  });
  let pos = end + 4;
  const te = headers.find(([n]) => n === 'transfer-encoding')?.[1];
  const cl = headers.find(([n]) => n === 'content-length')?.[1];
  if (te && /chunked/i.test(te)) {
    for (;;) {
      const nl = buf.indexOf('\r\n', pos);
      if (nl < 0) return 0;
      const size = parseInt(buf.subarray(pos, nl).toString('latin1'), 16);
      pos = nl + 2;
      if (size === 0) {
        const tEnd = buf.indexOf('\r\n\r\n', pos - 2);
        if (tEnd < 0) return 0;
        pos = tEnd + 4;
        break;
      }
      if (buf.length < pos + size + 2) return 0;
      pos += size + 2;
    }
  } else if (cl) {
    if (buf.length < pos + Number(cl)) return 0;
    pos += Number(cl);
  }
  up.requests.push(lines[0]!);
  up.headerCounts.push(headers.length);
  return pos;
}
