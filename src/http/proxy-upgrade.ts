// The handlers of upgrade requests: WebSocket ones are proxied and tapped, others declined.

import type http from 'node:http';
import type net from 'node:net';
import * as hardening from './hardening.js';
import { answerSocket } from './gateway-errors.js';
import { watchWebSocket } from './websocket-proxy.js';
import { declineUpgrade, isWebSocketUpgrade } from './upgrade-decline.js';
import { openExchange, refuseCutHeaders, targetTimeout, type ProxyWiring } from './proxy-wiring.js';

export function onUpgrade(
  w: ProxyWiring,
  req: http.IncomingMessage,
  socket: net.Socket,
  head: Buffer,
): void {
  if (!isWebSocketUpgrade(req)) {
    w.declined.set(socket, declineUpgrade(w.server, req, socket, head));
    return;
  }
  socket.on('error', () => undefined); // Node drops its listeners at the upgrade
  const ex = openExchange(w, req, socket);
  if (hardening.headersMayBeCut(req, w.maxHeadersCount)) {
    return refuseCutHeaders(w, ex, (a) => answerSocket(socket, a));
  }
  ex.requestBody.done = true;
  ex.emitRequest();
  w.proxy.ws(req, socket, head);
}

export function onProxyReqWs(
  w: ProxyWiring,
  proxyReq: http.ClientRequest,
  req: http.IncomingMessage,
  socket: net.Socket,
): void {
  const ex = w.exchanges.get(req);
  if (!ex) return;
  ex.proxyReq = proxyReq;
  ex.armTimer(() => proxyReq.destroy(targetTimeout()));
  watchWebSocket(ex, proxyReq, socket);
}
