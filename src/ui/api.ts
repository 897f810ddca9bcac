// The UI's JSON API (GET only): pages of exchanges, one exchange's detail, connections, the
// digest. Filters use the shared language (src/filter); a bad one is a 400 whose body carries
// the column, which the filter bar shows inline.

import type { ExchangeEvent } from '../events.js';
import type { ExchangeStore } from '../store/exchange-store.js';
import type { Digest } from '../digest/index.js';
import { parseFilter, FilterError } from '../filter/index.js';
import { rowOf, detailOf } from './rows.js';

export type Reply = (status: number, body: unknown) => void;

export interface ApiContext {
  store: ExchangeStore;
  digest: Digest;
  info: Record<string, unknown>;
}

/** the match function of ?filter= and ?fp= (a digest row's click-through); throws FilterError */
export function matcherOf(url: URL): (x: ExchangeEvent) => boolean {
  const expr = url.searchParams.get('filter') ?? '';
  const fp = url.searchParams.get('fp') ?? '';
  const conn = url.searchParams.get('conn');
  const filter = expr.trim() === '' ? undefined : parseFilter(expr);
  const connId = conn === null || conn === '' ? undefined : Number(conn);
  if (!filter && !fp && connId === undefined) return () => true;
  return (x) =>
    (fp === '' || x.fingerprintId === fp) &&
    (connId === undefined || x.conn === connId) &&
    (!filter || filter.match(x));
}

export function filterProblem(err: unknown): Record<string, unknown> | undefined {
  if (err instanceof FilterError) {
    return { error: err.message, column: err.column, expression: err.expression };
  }
  return undefined;
}

export async function handleApi(
  ctx: ApiContext,
  path: string,
  url: URL,
  reply: Reply,
): Promise<boolean> {
  if (path === '/api/info') {
    reply(200, { ...ctx.info, stats: ctx.store.stats() });
    return true;
  }
  if (path === '/api/exchanges') {
    let match: (x: ExchangeEvent) => boolean;
    try {
      match = matcherOf(url);
    } catch (err) {
      const problem = filterProblem(err);
      if (!problem) throw err;
      reply(400, problem);
      return true;
    }
    const page = await ctx.store.page({
      before: num(url.searchParams.get('before')),
      after: num(url.searchParams.get('after')),
      limit: num(url.searchParams.get('limit')),
      match,
    });
    reply(200, { ...page, items: page.items.map(rowOf), stats: ctx.store.stats() });
    return true;
  }
  const one = /^\/api\/exchange\/(\d+)$/.exec(path);
  if (one) {
    const s = await ctx.store.get(Number(one[1]));
    if (!s) reply(404, { error: `no exchange ${one[1]} in memory or in the capture` });
    else reply(200, detailOf(s, ctx.store.connections.get(s.exchange.conn)));
    return true;
  }
  if (path === '/api/connections') {
    reply(200, { items: ctx.store.connectionList(500), stats: ctx.store.stats() });
    return true;
  }
  if (path === '/api/digest') {
    reply(200, { rows: ctx.digest.rows('total').slice(0, 500), findings: ctx.digest.findings() });
    return true;
  }
  return false;
}

function num(s: string | null): number | undefined {
  if (s === null || s === '') return undefined;
  const n = Number(s);
  return Number.isFinite(n) ? n : undefined;
}
