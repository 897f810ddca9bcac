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
import { Hub, routeEmitter, type Sink } from '../capture/hub.js';
import { DEFAULT_DECODER_OPTIONS } from '../decoders/decoder.js';
import { formatHostPort, parseHostPort, resolveChecked } from '../util/address.js';
import { resolveTarget } from './target.js';
import { Exchange, type ExchangeContext } from './exchange.js';
import { ClientConnections } from './client-connections.js';
import {
  clientErrorStatus,
  headersMayBeCut,
  replaceDeleteLength,
  suppressDep0060,
} from './hardening.js';
import {
  answerResponse,
  answerSocket,
  gatewayAnswer,
  pairs,
  tooManyHeaders,
} from './gateway-errors.js';
import { watchWebSocket } from './websocket-proxy.js';
import { listenOn } from '../util/listen.js';

export interface HttpProxyOptions {
  /** [HOST:]PORT or http://HOST:PORT/base */
  target: string;
  /** [HOST:]PORT; default 127.0.0.1:0 */
  listen?: string;
  redact?: boolean;
  /** most body bytes kept per message (default 64 KiB) */
  maxValue?: number;
  allowRemote?: boolean;
  /** send the target's host:port as Host instead of the client's (default false) */
  hostRewrite?: boolean;
  /** add X-Forwarded-For/-Port/-Proto/-Host (default false) */
  xForwarded?: boolean;
  /** ms the target may stay silent before the client gets 504 (default 60000; 0 = never) */
  timeoutMs?: number;
  /** requests with this many header lines or more are refused with 431 (Node's default 2000) */
  maxHeadersCount?: number;
  sinks?: Sink[];
  hub?: Hub;
  route?: string;
}

export interface HttpProxy {
  readonly address: string;
  readonly port: number;
  /** http://127.0.0.1:3000/base */
  readonly target: string;
  readonly hub: Hub;
  readonly connections: number;
  close(graceMs?: number): Promise<void>;
}

export async function startHttpProxy(options: HttpProxyOptions): Promise<HttpProxy> {
  suppressDep0060();
  const allowRemote = options.allowRemote ?? false;
  const listen = await resolveChecked(
    parseHostPort(options.listen ?? '127.0.0.1:0', 'listen address'),
    'listen',
    allowRemote,
  );
  const target = await resolveTarget(options.target, allowRemote);
  const hub = options.hub ?? new Hub(options.sinks ?? []);
  const emit = routeEmitter(hub, options.route);
  const timeoutMs = options.timeoutMs ?? 60_000;
  const ctx: ExchangeContext = {
    emit,
    redact: options.redact ?? DEFAULT_DECODER_OPTIONS.redact,
    maxValue: options.maxValue ?? DEFAULT_DECODER_OPTIONS.maxValue,
    timeoutMs,
  };
  const maxHeadersCount = options.maxHeadersCount ?? 2000;
  const exchanges = new WeakMap<http.IncomingMessage, Exchange>();
  let nextId = 0;
  let listenText = '';

  // research/performance.md point 6: a new upstream connection per request costs 3x the req/s
  const agent = new http.Agent({ keepAlive: true, scheduling: 'lifo' });
  // http-proxy creates the upstream request synchronously inside proxy.web(); the agent is told
  // about it in the same call, which binds it to its exchange before any byte flows
  let binding: Exchange | undefined;
  const addRequest = (agent as unknown as { addRequest: (...a: unknown[]) => unknown }).addRequest;
  (agent as unknown as { addRequest: (...a: unknown[]) => unknown }).addRequest = function (
    this: http.Agent,
    ...args: unknown[]
  ) {
    if (binding) binding.proxyReq = args[0] as http.ClientRequest;
    binding = undefined;
    return addRequest.apply(this, args);
  };

  const proxy = httpProxy.createProxyServer({
    target: target.url,
    agent,
    ws: true,
    changeOrigin: options.hostRewrite ?? false,
    xfwd: options.xForwarded ?? false,
  });
  replaceDeleteLength(proxy);
  const conns = new ClientConnections(emit, () => listenText, target.text);

  const error = (code: string, message: string, conn?: number, level: number = LEVEL.error) =>
    emit({
      type: 'error',
      time: Date.now(),
      level,
      msg: `${conn !== undefined ? `#${conn} ` : ''}${message}`,
      code,
      message,
      ...(conn !== undefined ? { conn } : {}),
    });

  /** Node kept only the first maxHeadersCount headers: forwarding would drop the rest */
  const refuseCutHeaders = (
    ex: Exchange,
    answer: (a: ReturnType<typeof tooManyHeaders>) => void,
  ) => {
    const a = tooManyHeaders(maxHeadersCount);
    error('TOO_MANY_HEADERS', a.body.trim(), ex.conn, LEVEL.warn);
    ex.emitRequest({ headersCut: true });
    ex.emitGenerated(a.status, a.reason, a.body, [['connection', 'close']]);
    answer(a);
  };

  const server = http.createServer({ noDelay: true, requireHostHeader: false });
  server.maxHeadersCount = maxHeadersCount;
  // long uploads and event streams are normal here; a loopback proxy needs no slowloris guard
  server.requestTimeout = 0;
  server.on('connection', (socket: net.Socket) => conns.add(socket));

  server.on('request', (req, res) => {
    const ex = new Exchange(ctx, conns.idOf(req.socket), ++nextId, req);
    exchanges.set(req, ex);
    if (headersMayBeCut(req, maxHeadersCount)) {
      return refuseCutHeaders(ex, (a) => answerResponse(res, a, true));
    }
    // Node already answered `Expect: 100-continue` to the client
    if (req.headers.expect !== undefined) delete req.headers.expect;
    const abortUpstream = (): void => {
      ex.proxyReq?.destroy(Object.assign(new Error('target timeout'), { code: 'LOOPTAP_TIMEOUT' }));
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
    binding = ex;
    try {
      proxy.web(req, res);
    } finally {
      binding = undefined;
    }
    ex.armTimer(abortUpstream);
    // listen on res 'close', not req 'aborted' (which no longer fires once the body is read,
    // http-proxy #1559): a client that leaves cancels its upstream request
    res.once('close', () => {
      ex.clearTimer();
      if (res.writableFinished || ex.upstreamBroke) return;
      ex.clientGone = true;
      ex.proxyReq?.destroy();
      ex.emitRequest();
      error(
        'CLIENT_ABORTED',
        'client closed before the response was complete; upstream request cancelled',
        ex.conn,
        LEVEL.warn,
      );
    });
  });

  proxy.on('proxyRes', (proxyRes, req, res) => {
    const ex = exchanges.get(req);
    if (!ex) return;
    ex.responseHead(proxyRes, () => {
      if (proxyRes.rawTrailers.length > 0) res.addTrailers(pairs(proxyRes.rawTrailers));
      ex.responseEnded(proxyRes);
    });
    proxyRes.once('close', () => {
      if (proxyRes.complete) return;
      // the target broke off mid-body: the client must see a cut, not a clean end
      if (!ex.clientGone) upstreamBroke(ex);
      ex.responseEnded(proxyRes, { incomplete: true });
      res.destroy();
    });
  });

  const upstreamBroke = (ex: Exchange): void => {
    if (ex.upstreamBroke) return;
    ex.upstreamBroke = true;
    error(
      'TARGET_RESET',
      `target ${target.text} closed the connection in the middle of the response body`,
      ex.conn,
    );
  };

  // the handler that always answers: http-proxy leaves the client hanging otherwise
  proxy.on('error', (err: NodeJS.ErrnoException, req, resOrSocket) => {
    const ex = exchanges.get(req);
    if (ex?.clientGone) return;
    if (resOrSocket instanceof http.ServerResponse && resOrSocket.headersSent) {
      // mid-body: the proxyRes 'close' handler records the cut response
      if (ex) upstreamBroke(ex);
      resOrSocket.destroy();
      return;
    }
    const a = gatewayAnswer(err, target.text, ex?.timedOut ?? false, timeoutMs);
    error(a.code, a.body.replace(/^looptap: /, '').trim(), ex?.conn);
    ex?.emitGenerated(a.status, a.reason, a.body, [['content-type', 'text/plain; charset=utf-8']]);
    if (resOrSocket instanceof http.ServerResponse) {
      answerResponse(resOrSocket, a, !(ex?.requestBody.done ?? true));
    } else answerSocket(resOrSocket, a);
  });
  proxy.on('econnreset', () => undefined);

  server.on('upgrade', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
    socket.on('error', () => undefined); // Node drops its listeners at the upgrade
    const ex = new Exchange(ctx, conns.idOf(socket), ++nextId, req);
    exchanges.set(req, ex);
    if (headersMayBeCut(req, maxHeadersCount)) {
      return refuseCutHeaders(ex, (a) => answerSocket(socket, a));
    }
    ex.requestBody.done = true;
    ex.emitRequest();
    proxy.ws(req, socket, head);
  });
  proxy.on('proxyReqWs', (proxyReq, req, socket) => {
    const ex = exchanges.get(req);
    if (!ex) return;
    ex.proxyReq = proxyReq;
    ex.armTimer(() =>
      proxyReq.destroy(Object.assign(new Error('target timeout'), { code: 'LOOPTAP_TIMEOUT' })),
    );
    watchWebSocket(ex, proxyReq, socket);
  });

  server.on('clientError', (err: NodeJS.ErrnoException, socket: net.Socket) => {
    const [status, reason] = clientErrorStatus(err.code);
    const conn = conns.idOf(socket);
    if (err.code !== 'ECONNRESET') {
      error(
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
  });

  await listenOn(server, listen.host, listen.port);
  const addr = server.address() as net.AddressInfo;
  listenText = formatHostPort({ host: addr.address, port: addr.port });
  server.on('error', (err: NodeJS.ErrnoException) =>
    error(err.code ?? 'LISTEN_ERROR', `listener error: ${err.message}`),
  );
  emit({
    type: 'listening',
    time: Date.now(),
    level: LEVEL.info,
    msg: `listening on ${listenText} -> ${target.text} (http)`,
    listen: listenText,
    target: target.text,
    mode: 'http',
    decode: 'http',
  });

  let closing: Promise<void> | undefined;
  return {
    address: listenText,
    port: addr.port,
    target: target.text,
    hub,
    get connections() {
      return conns.size;
    },
    close(graceMs = 2000) {
      closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        await conns.waitEmpty(Date.now() + graceMs);
        conns.destroyAll();
        server.closeAllConnections();
        await stopped;
        agent.destroy();
        if (!options.hub) await hub.close();
      })();
      return closing;
    },
  };
}
