// The Toxiproxy-compatible control API (`looptap serve --api HOST:PORT`): Toxiproxy's paths, JSON
// shapes and status codes (api.go), so its clients (toxiproxy-node-client, the Go, Ruby and
// Python clients) drive looptap unchanged. Like Toxiproxy it refuses browsers (a User-Agent that
// starts with Mozilla/), so a web page cannot reach it; it listens on loopback only.

import http from 'node:http';
import type net from 'node:net';
import { ApiError, badRequest } from './api-error.js';
import type { ProxyCollection } from './proxies.js';
import { toxicJson } from './toxics.js';
import { listenOn } from '../util/listen.js';
import { formatHostPort, parseHostPort, resolveChecked } from '../util/address.js';

/** the Toxiproxy version whose API this one follows; clients that check versions see it */
export const TOXIPROXY_API_VERSION = '2.12.0';
const BODY_MAX = 1024 * 1024;

export interface ApiServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

type Result = [number, unknown?];
type Handler = (params: string[], body: unknown) => Result | Promise<Result>;
/** a path and the handler of each method it takes; another method on it is a 405 */
type Route = [RegExp, Partial<Record<string, Handler>>];

export async function startApiServer(
  proxies: ProxyCollection,
  listen: string,
  looptapVersion: string,
  allowRemote = false,
): Promise<ApiServer> {
  const at = await resolveChecked(parseHostPort(listen, 'api address'), 'listen', allowRemote);
  const routes = apiRoutes(proxies, looptapVersion);
  const serialize = oneAtATime();
  const server = http.createServer((req, res) => handleRequest(routes, serialize, req, res));
  server.keepAliveTimeout = 5000;
  await listenOn(server, at.host, at.port, '--api');
  const addr = server.address() as net.AddressInfo;
  const url = `http://${formatHostPort({ host: addr.address, port: addr.port })}`;
  return {
    url,
    port: addr.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function apiRoutes(proxies: ProxyCollection, looptapVersion: string): Route[] {
  const seg = '([^/]+)';
  const updateProxy: Handler = async ([n], b) => [200, (await proxies.update(n!, b)).json()];
  const updateToxic: Handler = ([n, t], b) => [
    200,
    toxicJson(proxies.get(n!).toxics.update(t!, b)),
  ];
  return [
    [
      /^\/version$/,
      { GET: () => [200, { version: TOXIPROXY_API_VERSION, looptap: looptapVersion }] },
    ],
    [/^\/reset$/, { POST: async () => (await proxies.reset(), [204]) }],
    [
      /^\/proxies$/,
      {
        GET: () => [200, Object.fromEntries(proxies.all().map((p) => [p.name, p.json()]))],
        POST: async (_, b) => [201, (await proxies.create(b)).json()],
      },
    ],
    [
      /^\/populate$/,
      {
        POST: async (_, b) => [201, { proxies: (await proxies.populate(b)).map((p) => p.json()) }],
      },
    ],
    [
      re(`^/proxies/${seg}$`),
      {
        GET: ([n]) => [200, proxies.get(n!).json()],
        POST: updateProxy,
        PATCH: updateProxy,
        DELETE: async ([n]) => (await proxies.remove(n!), [204]),
      },
    ],
    [
      re(`^/proxies/${seg}/toxics$`),
      {
        GET: ([n]) => [200, proxies.get(n!).toxics.json()],
        POST: ([n], b) => [200, toxicJson(proxies.get(n!).toxics.add(b))],
      },
    ],
    [
      re(`^/proxies/${seg}/toxics/${seg}$`),
      {
        GET: ([n, t]) => [200, toxicOf(proxies, n!, t!)],
        POST: updateToxic,
        PATCH: updateToxic,
        DELETE: ([n, t]) => (proxies.get(n!).toxics.remove(t!), [204]),
      },
    ],
  ];
}

/** one change at a time, as Toxiproxy's collection lock does: a populate and a create of the
 * same name cannot interleave */
function oneAtATime(): <T>(work: () => T | Promise<T>) => Promise<T> {
  let queue: Promise<unknown> = Promise.resolve();
  return (work) => {
    const run = queue.then(work);
    queue = run.catch(() => undefined);
    return run;
  };
}

function handleRequest(
  routes: Route[],
  serialize: ReturnType<typeof oneAtATime>,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): void {
  const fail = (e: ApiError): void => sendJson(res, e.status, e.toJSON());
  if ((req.headers['user-agent'] ?? '').startsWith('Mozilla/')) {
    return fail(new ApiError(403, 'User agent not allowed'));
  }
  const path = (req.url ?? '/').split('?')[0]!;
  const route = findRoute(routes, path);
  if (!route) return fail(new ApiError(404, `no such path: ${path}`));
  const handler = Object.hasOwn(route.methods, req.method ?? '')
    ? route.methods[req.method!]
    : undefined;
  if (!handler) return fail(new ApiError(405, `method ${req.method} not allowed on ${path}`));
  // decoded only once the method is known, as a bad escape on a 405 path is still a 405
  const params = route.match.slice(1).map((s) => decodeURIComponent(s));
  readBody(req)
    .then((body) => serialize(() => handler(params, body)))
    .then(([status, body]) => sendJson(res, status, body))
    .catch((err: unknown) =>
      fail(
        err instanceof ApiError ? err : new ApiError(500, String((err as Error)?.message ?? err)),
      ),
    );
}

function findRoute(
  routes: Route[],
  path: string,
): { match: RegExpExecArray; methods: Route[1] } | undefined {
  for (const [pattern, methods] of routes) {
    const match = pattern.exec(path);
    if (match) return { match, methods };
  }
  return undefined;
}

function sendJson(res: http.ServerResponse, status: number, body?: unknown): void {
  if (body === undefined) {
    res.writeHead(status).end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

function re(s: string): RegExp {
  return new RegExp(s);
}

function toxicOf(proxies: ProxyCollection, proxy: string, name: string): unknown {
  const t = proxies.get(proxy).toxics.get(name);
  if (!t) throw new ApiError(404, 'toxic not found');
  return toxicJson(t.spec);
}

async function readBody(req: http.IncomingMessage): Promise<unknown> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > BODY_MAX) throw new ApiError(413, 'request body larger than 1 MiB');
    parts.push(chunk as Buffer);
  }
  const text = Buffer.concat(parts).toString('utf8').trim();
  if (text === '') return {};
  try {
    return JSON.parse(text);
  } catch (err) {
    throw badRequest((err as Error).message);
  }
}
