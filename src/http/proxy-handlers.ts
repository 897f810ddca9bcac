// The handlers of plain HTTP requests: the client's request in, the target's answer (or its
// failure) out.

import http from 'node:http';
import type net from 'node:net';
import { LEVEL } from '../events.js';
import type { Exchange } from './exchange.js';
import * as hardening from './hardening.js';
import { answerResponse, answerSocket, gatewayAnswer, pairs } from './gateway-errors.js';
import { openExchange, refuseCutHeaders, targetTimeout, type ProxyWiring } from './proxy-wiring.js';

export function onRequest(
  w: ProxyWiring,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): void {
  const ex = openExchange(w, req, req.socket);
  const asked = w.declined.get(req.socket);
  if (asked !== undefined) {
    // the first request after a declined upgrade is the one that asked for it
    w.declined.delete(req.socket);
    ex.note.upgradeDeclined = asked;
  }
  if (hardening.headersMayBeCut(req, w.maxHeadersCount)) {
    return refuseCutHeaders(w, ex, (a) => answerResponse(res, a, true));
  }
  // Node already answered `Expect: 100-continue` to the client
  if (req.headers.expect !== undefined) delete req.headers.expect;
  const abortUpstream = (): void => {
    ex.proxyReq?.destroy(targetTimeout());
  };
  ex.requestBody.watch(
    req,
    () => ex.armTimer(abortUpstream),
    () => {
      // trailers are not carried by pipe(); add them before http-proxy's pipe ends the request
      if (req.rawTrailers.length > 0) ex.proxyReq?.addTrailers(pairs(req.rawTrailers));
      ex.emitRequest();
    },
  );
  w.upstream.bind(ex, () => w.proxy.web(req, res));
  ex.armTimer(abortUpstream);
  cancelWhenClientLeaves(w, ex, res);
}

export function onProxyRes(
  w: ProxyWiring,
  proxyRes: http.IncomingMessage,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): void {
  const ex = w.exchanges.get(req);
  if (!ex) return;
  ex.responseHead(proxyRes, () => {
    if (proxyRes.rawTrailers.length > 0) res.addTrailers(pairs(proxyRes.rawTrailers));
    ex.responseEnded(proxyRes);
  });
  proxyRes.once('close', () => {
    if (proxyRes.complete) return;
    // the target broke off mid-body: the client must see a cut, not a clean end
    if (!ex.clientGone) upstreamBroke(w, ex);
    ex.responseEnded(proxyRes, { incomplete: true });
    res.destroy();
  });
}

/** the handler that always answers: http-proxy leaves the client hanging otherwise */
export function onProxyError(
  w: ProxyWiring,
  err: NodeJS.ErrnoException,
  req: http.IncomingMessage,
  resOrSocket: http.ServerResponse | net.Socket,
): void {
  const ex = w.exchanges.get(req);
  if (ex?.clientGone) return;
  if (resOrSocket instanceof http.ServerResponse && resOrSocket.headersSent) {
    // mid-body: the proxyRes 'close' handler records the cut response
    if (ex) upstreamBroke(w, ex);
    resOrSocket.destroy();
    return;
  }
  const a = gatewayAnswer(err, w.targetText, ex?.timedOut ?? false, w.ctx.timeoutMs);
  w.error(a.code, a.body.replace(/^looptap: /, '').trim(), ex?.conn);
  ex?.emitGenerated(a.status, a.reason, a.body, [['content-type', 'text/plain; charset=utf-8']]);
  if (resOrSocket instanceof http.ServerResponse) {
    answerResponse(resOrSocket, a, !(ex?.requestBody.done ?? true));
  } else answerSocket(resOrSocket, a);
}

function upstreamBroke(w: ProxyWiring, ex: Exchange): void {
  if (ex.upstreamBroke) return;
  ex.upstreamBroke = true;
  w.error(
    'TARGET_RESET',
    `target ${w.targetText} closed the connection in the middle of the response body`,
    ex.conn,
  );
}

// listen on res 'close', not req 'aborted' (which no longer fires once the body is read,
// http-proxy #1559): a client that leaves cancels its upstream request
function cancelWhenClientLeaves(w: ProxyWiring, ex: Exchange, res: http.ServerResponse): void {
  res.once('close', () => {
    ex.clearTimer();
    if (res.writableFinished || ex.upstreamBroke) return;
    ex.clientGone = true;
    ex.proxyReq?.destroy();
    ex.emitRequest();
    ex.abandon();
    w.error(
      'CLIENT_ABORTED',
      'client closed before the response was complete; upstream request cancelled',
      ex.conn,
      LEVEL.warn,
    );
  });
}
