// Upgrade requests that are not WebSocket (`curl --http2` asks `Upgrade: h2c`): http-proxy only
// proxies WebSocket and destroys the socket for anything else, so the client got an empty reply
// and the origin never saw the request. An HTTP/1.1 server that does not want to switch simply
// answers the request as it is (RFC 9110 §7.8), and that is what looptap does: the request head
// is written again without Upgrade, HTTP2-Settings and their Connection tokens, put back in
// front of the socket's unread bytes, and the socket is handed to the HTTP server again as a
// new connection, so the request (and any later keep-alive request) goes the ordinary way.

import type http from 'node:http';
import type net from 'node:net';

const HOP = new Set(['upgrade', 'http2-settings']);

export function isWebSocketUpgrade(req: http.IncomingMessage): boolean {
  return req.method === 'GET' && (req.headers.upgrade ?? '').trim().toLowerCase() === 'websocket';
}

/** the request head as the origin will see it: the same lines minus the upgrade offer */
export function headWithoutUpgrade(req: http.IncomingMessage): string {
  let out = `${req.method ?? 'GET'} ${req.url ?? '/'} HTTP/${req.httpVersion}\r\n`;
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!;
    const lower = name.toLowerCase();
    if (HOP.has(lower)) continue;
    let value = raw[i + 1]!;
    if (lower === 'connection') {
      value = value
        .split(',')
        .map((v) => v.trim())
        .filter((v) => v !== '' && !HOP.has(v.toLowerCase()))
        .join(', ');
      if (value === '') continue;
    }
    out += `${name}: ${value}\r\n`;
  }
  return out + '\r\n';
}

/** answers the request without the upgrade; returns the protocol the client had asked for */
export function declineUpgrade(
  server: http.Server,
  req: http.IncomingMessage,
  socket: net.Socket,
  head: Buffer,
): string {
  const asked = (req.headers.upgrade ?? '').trim().toLowerCase() || 'unknown';
  socket.unshift(Buffer.concat([Buffer.from(headWithoutUpgrade(req), 'latin1'), head]));
  server.emit('connection', socket);
  return asked;
}
