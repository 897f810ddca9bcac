// The traps of http-proxy 1.18.1 (research/reliability.md C1-C5, C9) and how HTTP mode closes
// them. Each has a test in test/http/hardening.test.ts.
// - deleteLength (#1721): for DELETE/OPTIONS without Content-Length it sets `content-length: 0`
//   and drops Transfer-Encoding but still pipes the body, so a chunked body carrying
//   `GET /smuggled` reaches the upstream as a second request. Replaced by a pass that only adds
//   the length when the request has no body framing at all.
// - maxHeadersCount: Node keeps the first N headers and silently drops the rest; the request
//   would be forwarded without them. Such requests are refused with 431.
// - util._extend: Node 22 prints DEP0060 at the first proxied request; only that code is dropped.
// The error handler that always answers, the upstream cancel on a client abort and the
// WebSocket socket pairing live in http-proxy-server.ts and websocket-proxy.ts.

import type { IncomingMessage } from 'node:http';

type Pass = (req: IncomingMessage, ...rest: unknown[]) => unknown;

export function safeDeleteLength(req: IncomingMessage): void {
  if (
    (req.method === 'DELETE' || req.method === 'OPTIONS') &&
    req.headers['content-length'] === undefined &&
    req.headers['transfer-encoding'] === undefined
  ) {
    req.headers['content-length'] = '0';
  }
}

/** replaces http-proxy's deleteLength web pass; throws if the pass is not where we expect it
 * (a different http-proxy version must be looked at again, not trusted blindly) */
export function replaceDeleteLength(proxy: object): void {
  const passes = (proxy as { webPasses?: Pass[] }).webPasses;
  const i = passes?.findIndex((p) => p.name === 'deleteLength') ?? -1;
  if (!passes || i < 0) {
    throw new Error('http-proxy has no deleteLength pass: check src/http/hardening.ts');
  }
  passes[i] = safeDeleteLength;
}

/** true when Node may have dropped headers because the request reached maxHeadersCount */
export function headersMayBeCut(msg: IncomingMessage, maxHeadersCount: number): boolean {
  return maxHeadersCount > 0 && msg.rawHeaders.length / 2 >= maxHeadersCount;
}

let dep0060Filtered = false;

/** drops DEP0060 (util._extend, used by http-proxy) and nothing else */
export function suppressDep0060(): void {
  if (dep0060Filtered) return;
  dep0060Filtered = true;
  const original = process.emitWarning.bind(process) as (...args: unknown[]) => void;
  const filtered = (...args: unknown[]): void => {
    const [w, second, third] = args;
    const code =
      typeof second === 'object' && second !== null
        ? (second as { code?: unknown }).code
        : typeof third === 'string'
          ? third
          : (w as { code?: unknown } | undefined)?.code;
    if (code === 'DEP0060') return;
    original(...args);
  };
  process.emitWarning = filtered;
}

/** the status and reason Node's parser error deserves (the client gets these before a close) */
export function clientErrorStatus(code: string | undefined): [number, string] {
  if (code === 'HPE_HEADER_OVERFLOW') return [431, 'Request Header Fields Too Large'];
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return [408, 'Request Timeout'];
  return [400, 'Bad Request'];
}
