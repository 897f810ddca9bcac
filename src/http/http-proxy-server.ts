// HTTP mode: a loopback reverse proxy built on http-proxy (the only file that imports it) that
// emits every request and response as `message` events through a Hub, like the TCP relay.
//
//   client ─▶ http.Server ─▶ Exchange (taps, timer) ─▶ http-proxy ─▶ keep-alive Agent ─▶ target
//                  └─ open/close per socket            └─ proxyRes / error ─▶ messages, 502/504
//
//   const p = await startHttpProxy({ target: 'http://127.0.0.1:3000', sinks: [new MemorySink()] });

import http from 'node:http';
import type net from 'node:net';
import httpProxy from 'http-proxy';
import { LEVEL } from '../events.js';
import { Hub, routeEmitter } from '../capture/hub.js';
import type { HttpProxy, HttpProxyOptions } from './proxy-options.js';
import { DEFAULT_DECODER_OPTIONS } from '../decoders/decoder.js';
import { formatHostPort, parseHostPort, resolveChecked } from '../util/address.js';
import { resolveTarget } from './target.js';
import type { ExchangeContext } from './exchange.js';
import { ClientConnections } from './client-connections.js';
import * as hardening from './hardening.js';
import { answerSocket } from './gateway-errors.js';
import { listenOn } from '../util/listen.js';
import { upstreamAgent, type UpstreamAgent } from './upstream-agent.js';
import { RequestExchanges, reportError, type ProxyWiring } from './proxy-wiring.js';
import { onProxyError, onProxyRes, onRequest } from './proxy-handlers.js';
import { onProxyReqWs, onUpgrade } from './proxy-upgrade.js';

export type { HttpProxy, HttpProxyOptions } from './proxy-options.js';

export async function startHttpProxy(options: HttpProxyOptions): Promise<HttpProxy> {
  hardening.suppressDep0060();
  const allowRemote = options.allowRemote ?? false;
  const listen = await resolveChecked(
    parseHostPort(options.listen ?? '127.0.0.1:0', 'listen address'),
    'listen',
    allowRemote,
  );
  const target = await resolveTarget(options.target, allowRemote);
  const hub = options.hub ?? new Hub(options.sinks ?? []);
  const ctx = exchangeContext(options, routeEmitter(hub, options.route), hub);
  const maxHeadersCount = options.maxHeadersCount ?? 2000;
  const upstream = upstreamAgent();
  let listenText = '';
  const w: ProxyWiring = {
    ctx,
    server: createServer(maxHeadersCount),
    proxy: createProxy(target.url, upstream, options),
    upstream,
    conns: new ClientConnections(ctx.emit, () => listenText, target.text),
    exchanges: new RequestExchanges(),
    declined: new WeakMap(),
    maxHeadersCount,
    targetText: target.text,
    error: reportError(ctx.emit),
    nextId: 0,
  };
  wire(w);

  await listenOn(w.server, listen.host, listen.port);
  const addr = w.server.address() as net.AddressInfo;
  listenText = formatHostPort({ host: addr.address, port: addr.port });
  announce(w, listenText);
  const close = closer(w, () => (options.hub ? Promise.resolve() : hub.close()));
  return {
    address: listenText,
    port: addr.port,
    target: target.text,
    hub,
    get connections() {
      return w.conns.size;
    },
    close,
  };
}

function exchangeContext(
  options: HttpProxyOptions,
  emit: ExchangeContext['emit'],
  frames: ExchangeContext['frames'],
): ExchangeContext {
  return {
    emit,
    frames,
    redact: options.redact ?? DEFAULT_DECODER_OPTIONS.redact,
    maxValue: options.maxValue ?? DEFAULT_DECODER_OPTIONS.maxValue,
    redactHeaders: options.redactHeaders,
    redactFields: options.redactFields,
    timeoutMs: options.timeoutMs ?? 60_000,
  };
}

function createProxy(url: string, upstream: UpstreamAgent, options: HttpProxyOptions): httpProxy {
  const proxy = httpProxy.createProxyServer({
    target: url,
    agent: upstream.agent,
    ws: true,
    changeOrigin: options.hostRewrite ?? false,
    xfwd: options.xForwarded ?? false,
  });
  hardening.replaceDeleteLength(proxy);
  return proxy;
}

function createServer(maxHeadersCount: number): http.Server {
  const server = http.createServer({ noDelay: true, requireHostHeader: false });
  server.maxHeadersCount = maxHeadersCount;
  // a client that half-closes after its request (shutdown(SHUT_WR)) still gets the answer: with
  // the default (false) Node aborts the request at the client's FIN and we would cancel upstream
  (server as unknown as { httpAllowHalfOpen: boolean }).httpAllowHalfOpen = true;
  // long uploads and event streams are normal here; a loopback proxy needs no slowloris guard
  server.requestTimeout = 0;
  return server;
}

function wire(w: ProxyWiring): void {
  w.server.on('connection', (socket: net.Socket) => w.conns.add(socket));
  w.server.on('request', (req, res) => onRequest(w, req, res));
  w.proxy.on('proxyRes', (proxyRes, req, res) => onProxyRes(w, proxyRes, req, res));
  w.proxy.on('error', (err: NodeJS.ErrnoException, req, resOrSocket) =>
    onProxyError(w, err, req, resOrSocket),
  );
  w.proxy.on('econnreset', () => undefined);
  w.server.on('upgrade', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) =>
    onUpgrade(w, req, socket, head),
  );
  w.proxy.on('proxyReqWs', (proxyReq, req, socket) => onProxyReqWs(w, proxyReq, req, socket));
  w.server.on('clientError', (err: NodeJS.ErrnoException, socket: net.Socket) =>
    onClientError(w, err, socket),
  );
}

function onClientError(w: ProxyWiring, err: NodeJS.ErrnoException, socket: net.Socket): void {
  const [status, reason] = hardening.clientErrorStatus(err.code);
  const conn = w.conns.idOf(socket);
  if (err.code !== 'ECONNRESET') {
    w.error(
      err.code ?? 'BAD_REQUEST',
      `malformed request refused with ${status}: ${err.message}`,
      conn,
      LEVEL.warn,
    );
  }
  answerSocket(socket, {
    status,
    reason,
    body: `looptap: ${reason.toLowerCase()}: ${err.message}\n`,
  });
}

function announce(w: ProxyWiring, listenText: string): void {
  w.server.on('error', (err: NodeJS.ErrnoException) =>
    w.error(err.code ?? 'LISTEN_ERROR', `listener error: ${err.message}`),
  );
  w.ctx.emit({
    type: 'listening',
    time: Date.now(),
    level: LEVEL.info,
    msg: `listening on ${listenText} -> ${w.targetText} (http)`,
    listen: listenText,
    target: w.targetText,
    mode: 'http',
    decode: 'http',
  });
}

/** close() once, however often it is called: later calls get the first one's promise */
function closer(
  w: ProxyWiring,
  closeHub: () => Promise<void>,
): (graceMs?: number) => Promise<void> {
  let closing: Promise<void> | undefined;
  return (graceMs = 2000) => {
    closing ??= (async () => {
      const stopped = new Promise<void>((resolve) => w.server.close(() => resolve()));
      w.server.closeIdleConnections();
      await w.conns.waitEmpty(Date.now() + graceMs);
      w.conns.destroyAll();
      w.server.closeAllConnections();
      await stopped;
      w.upstream.agent.destroy();
      await closeHub();
    })();
    return closing;
  };
}
