// The web UI server: `--ui [HOST:PORT]` on tcp, http, view and demo. Serves the built front end,
// the JSON API and the live stream from an ExchangeStore fed by the hub (a hub listener: it
// never pauses the relay), behind the checks of security.ts. Loopback only unless
// --allow-remote; a UI address that is one of looptap's own targets is refused (the proxy would
// forward into the UI: the mitmweb SSRF).

import http from 'node:http';
import type net from 'node:net';
import type { Hub } from '../capture/hub.js';
import { ExchangeStore, type StoreOptions } from '../store/exchange-store.js';
import { Digest } from '../digest/index.js';
import { parseHostPort, resolveChecked, formatHostPort } from '../util/address.js';
import { listenOn } from '../util/listen.js';
import { usageError } from '../util/errors.js';
import { Guard, SECURITY_HEADERS } from './security.js';
import { loadAssets } from './assets.js';
import { handleApi, matcherOf, filterProblem, type ApiContext } from './api.js';
import { LiveStream } from './stream.js';
import { fromThisProcess } from './self-loop.js';
import { VERSION } from '../version.js';

export interface UiOptions {
  /** HOST:PORT or PORT; default 127.0.0.1:0 (the OS picks the port) */
  listen?: string;
  allowRemote?: boolean;
  /** feed the store from this hub */
  hub?: Hub;
  store?: ExchangeStore;
  storeOptions?: StoreOptions;
  /** `view FILE --ui`: no relay */
  readOnly?: boolean;
  /** looptap's own targets ([HOST:]PORT): the UI must not be one of them */
  targets?: string[];
  /** for tests; default: 32 random bytes */
  token?: string;
  /** where the built front end is (tests) */
  assetsDir?: string;
}

export interface UiServer {
  readonly port: number;
  readonly url: string;
  readonly token: string;
  readonly store: ExchangeStore;
  close(): Promise<void>;
}

interface Served {
  guard: Guard;
  assets: ReturnType<typeof loadAssets>;
  ctx: ApiContext;
  live: LiveStream;
  looped: WeakMap<net.Socket, Promise<boolean>>;
}

export async function startUi(options: UiOptions = {}): Promise<UiServer> {
  const wanted = parseHostPort(options.listen || '127.0.0.1:0', '--ui');
  const where = await resolveChecked(wanted, 'listen', options.allowRemote ?? false);
  const store = options.store ?? new ExchangeStore(options.storeOptions);
  const digest = new Digest();
  const unsubscribeDigest = store.subscribe((s) => digest.add(s.exchange));
  const guard = new Guard(where.port, options.allowRemote ?? false, options.token);
  const served: Served = {
    guard,
    assets: loadAssets(options.assetsDir),
    ctx: { store, digest, info: { version: VERSION, readOnly: options.readOnly ?? false } },
    live: new LiveStream(store),
    looped: new WeakMap(),
  };
  const sockets = new Set<net.Socket>();
  const server = createUiServer(served, sockets);
  await listenOn(server, where.host, where.port, '--ui');
  const port = (server.address() as net.AddressInfo).port;
  guard.setPort(port);
  refuseIfTarget(server, options.targets ?? [], where.host, port);
  const detachHub = options.hub?.on((e) => store.observe(e));
  const shownHost = where.host.includes(':') ? `[${where.host}]` : where.host;
  return {
    port,
    url: `http://${shownHost}:${port}/?token=${guard.token}`,
    token: guard.token,
    store,
    close: async () => {
      detachHub?.();
      unsubscribeDigest();
      served.live.close();
      const closed = new Promise<void>((r) => server.close(() => r()));
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
}

function createUiServer(served: Served, sockets: Set<net.Socket>): http.Server {
  const server = http.createServer((req, res) => {
    void serve(served, req, res).catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, { error: String(err) });
      else res.destroy();
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  return server;
}

function refuseIfTarget(server: http.Server, targets: string[], host: string, port: number): void {
  const self = formatHostPort({ host, port });
  for (const t of targets) {
    if (sameAddress(t, host, port)) {
      server.close();
      throw usageError(
        'UI_IS_TARGET',
        `--ui ${self} is also a target of this looptap: the proxy would forward into the UI; pick another --ui port`,
      );
    }
  }
}

async function serve(
  served: Served,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<void> {
  for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
  const url = new URL(req.url ?? '/', 'http://ui.invalid');
  const path = url.pathname;
  const api = path.startsWith('/api/');
  if (await cameThroughLooptap(served.looped, req)) {
    res.writeHead(403, { 'Content-Type': 'text/plain; charset=utf-8', Connection: 'close' });
    res.end('refused: this request came through looptap itself (a route whose target is the UI)\n');
    return;
  }
  const verdict = served.guard.check(req, url, api);
  if (!verdict.ok) return sendText(res, verdict.status, verdict.reason + '\n');
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' });
    res.end('the UI is read-only: GET only\n');
    return;
  }
  if (verdict.via === 'query') res.setHeader('Set-Cookie', served.guard.setCookie());
  if (verdict.via === 'query' && !api) {
    // the token leaves the address bar (and history) for the cookie
    res.writeHead(303, { Location: path });
    res.end();
    return;
  }
  if (path === '/api/stream') return openStream(served.live, url, req, res);
  if (api) return serveApi(served.ctx, path, url, res);
  serveAsset(served.assets, path, req, res);
}

/** asked once a connection, as the answer cannot change while it is open */
function cameThroughLooptap(
  looped: WeakMap<net.Socket, Promise<boolean>>,
  req: http.IncomingMessage,
): Promise<boolean> {
  let selfCheck = looped.get(req.socket);
  if (!selfCheck) looped.set(req.socket, (selfCheck = fromThisProcess(req.socket)));
  return selfCheck;
}

function openStream(
  live: LiveStream,
  url: URL,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): void {
  let match;
  try {
    match = matcherOf(url);
  } catch (err) {
    const problem = filterProblem(err);
    if (!problem) throw err;
    send(res, 400, problem);
    return;
  }
  live.open(req, res, match);
}

async function serveApi(
  ctx: ApiContext,
  path: string,
  url: URL,
  res: http.ServerResponse,
): Promise<void> {
  if (!(await handleApi(ctx, path, url, (status, body) => send(res, status, body)))) {
    send(res, 404, { error: `no such API: ${path}` });
  }
}

function serveAsset(
  assets: Served['assets'],
  path: string,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): void {
  const asset = assets.get(path === '/index.html' ? '/' : path);
  if (!asset) {
    const missing = assets.size === 0 && path === '/';
    sendText(
      res,
      missing ? 500 : 404,
      missing ? 'the UI was not built: run npm run build\n' : 'not found\n',
    );
    return;
  }
  res.writeHead(200, { 'Content-Type': asset.type, 'Content-Length': asset.body.length });
  res.end(req.method === 'HEAD' ? undefined : asset.body);
}

function sendText(res: http.ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(text);
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

function sameAddress(target: string, host: string, port: number): boolean {
  let t;
  try {
    t = target.includes('://') ? new URL(target) : undefined;
  } catch {
    return false;
  }
  const hp = t
    ? { host: t.hostname.replace(/^\[|\]$/g, ''), port: Number(t.port) || 80 }
    : safeParse(target);
  if (!hp || hp.port !== port) return false;
  const loop = (h: string): boolean => h === 'localhost' || h.startsWith('127.') || h === '::1';
  return hp.host === host || (loop(hp.host) && loop(host)) || host === '0.0.0.0' || host === '::';
}

function safeParse(s: string): { host: string; port: number } | undefined {
  try {
    return parseHostPort(s, 'target');
  } catch {
    return undefined;
  }
}
