// What the handlers of HTTP mode share: one of these per startHttpProxy().

import type http from 'node:http';
import type net from 'node:net';
import type httpProxy from 'http-proxy';
import { LEVEL } from '../events.js';
import { Exchange, type ExchangeContext } from './exchange.js';
import type { ClientConnections } from './client-connections.js';
import type { UpstreamAgent } from './upstream-agent.js';
import { tooManyHeaders } from './gateway-errors.js';

export type ReportError = (code: string, message: string, conn?: number, level?: number) => void;

export interface ProxyWiring {
  readonly ctx: ExchangeContext;
  readonly server: http.Server;
  readonly proxy: httpProxy;
  readonly upstream: UpstreamAgent;
  readonly conns: ClientConnections;
  readonly exchanges: RequestExchanges;
  /** sockets whose non-WebSocket upgrade was declined, with what they asked for */
  readonly declined: WeakMap<net.Socket, string>;
  readonly maxHeadersCount: number;
  readonly targetText: string;
  readonly error: ReportError;
  nextId: number;
}

const EXCHANGE = Symbol('looptap.exchange');
type WithExchange = http.IncomingMessage & { [EXCHANGE]?: Exchange };

/** Each request's Exchange, kept on the request itself. Not a WeakMap: with one (it lives in the
 * old generation) every request's Exchange, with the buffers and closures it holds, survived the
 * young-generation collections and was promoted, about 9 KB a request that only a full GC freed
 * (--trace-gc under wrk; docs/benchmarks.md, "The promoted garbage, found"). */
export class RequestExchanges {
  get(req: http.IncomingMessage): Exchange | undefined {
    return (req as WithExchange)[EXCHANGE];
  }

  set(req: http.IncomingMessage, ex: Exchange): void {
    (req as WithExchange)[EXCHANGE] = ex;
  }
}

export function reportError(emit: ExchangeContext['emit']): ReportError {
  return (code, message, conn, level = LEVEL.error) =>
    emit({
      type: 'error',
      time: Date.now(),
      level,
      msg: `${conn !== undefined ? `#${conn} ` : ''}${message}`,
      code,
      message,
      ...(conn !== undefined ? { conn } : {}),
    });
}

export function openExchange(w: ProxyWiring, req: http.IncomingMessage, socket: net.Socket) {
  const ex = new Exchange(w.ctx, w.conns.idOf(socket), ++w.nextId, req);
  w.exchanges.set(req, ex);
  return ex;
}

/** Node kept only the first maxHeadersCount headers: forwarding would drop the rest */
export function refuseCutHeaders(
  w: ProxyWiring,
  ex: Exchange,
  answer: (a: ReturnType<typeof tooManyHeaders>) => void,
): void {
  const a = tooManyHeaders(w.maxHeadersCount);
  w.error('TOO_MANY_HEADERS', a.body.trim(), ex.conn, LEVEL.warn);
  ex.emitRequest({ headersCut: true });
  ex.emitGenerated(a.status, a.reason, a.body, [['connection', 'close']]);
  answer(a);
}

export function targetTimeout(): Error {
  return Object.assign(new Error('target timeout'), { code: 'LOOPTAP_TIMEOUT' });
}
