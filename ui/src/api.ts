// Talking to the looptap UI server: same-origin GETs (the cookie carries the token) and the
// live stream (EventSource). The shapes are the server's (src/ui/rows.ts, src/store/*).

import type { ExchangeEvent } from '../../src/events.js';
import type { Row, Detail as ServerDetail } from '../../src/ui/rows.js';
import type { ConnectionRow } from '../../src/store/connections.js';
import type { StoreStats } from '../../src/store/exchange-store.js';
import type { StatsRow, NPlusOneFinding } from '../../src/digest/index.js';

export type { Row, ConnectionRow, StoreStats, StatsRow, NPlusOneFinding, ExchangeEvent };

export type Detail = Omit<ServerDetail, 'hex'> & { hex: { client: string; server: string } };

export interface Page {
  items: Row[];
  more: boolean;
  cursor: number;
  source: 'memory' | 'disk';
  gone: boolean;
  stats: StoreStats;
}

export interface Query {
  filter: string;
  fp: string;
}

export class FilterProblem extends Error {
  constructor(
    message: string,
    readonly column: number,
  ) {
    super(message);
  }
}

async function get<T>(path: string): Promise<T> {
  const res = await fetch(path, { credentials: 'same-origin' });
  const body = (await res.json()) as T & { error?: string; column?: number };
  if (res.status === 400 && typeof body.column === 'number') {
    throw new FilterProblem(body.error ?? 'bad filter', body.column);
  }
  if (!res.ok) throw new Error(body.error ?? `${res.status} ${res.statusText}`);
  return body;
}

function params(q: Query, extra: Record<string, string | number | undefined> = {}): string {
  const p = new URLSearchParams();
  if (q.filter.trim()) p.set('filter', q.filter);
  if (q.fp) p.set('fp', q.fp);
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : '';
}

export const api = {
  page: (q: Query, at: { before?: number; after?: number; limit?: number }) =>
    get<Page>(`/api/exchanges${params(q, at)}`),
  detail: (id: number) => get<Detail>(`/api/exchange/${id}`),
  connections: () => get<{ items: ConnectionRow[]; stats: StoreStats }>('/api/connections'),
  digest: () => get<{ rows: StatsRow[]; findings: NPlusOneFinding[] }>('/api/digest'),
  info: () => get<{ version: string; readOnly: boolean; stats: StoreStats }>('/api/info'),
  stream: (q: Query) => new EventSource(`/api/stream${params(q)}`),
};

export interface Batch {
  items: Row[];
  skipped: number;
  stats: StoreStats;
  connections: boolean;
}
