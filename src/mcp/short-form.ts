// What an agent is shown of an exchange. An agent's context is small: lists carry a short form
// (one line of request and answer, the numbers that matter), and one exchange in full is still
// bounded (rows, value lengths). Everything here is already redacted: it comes from the events.

import type { ExchangeEvent } from '../events.js';

const TEXT_SHORT = 200;
const ANSWER_SHORT = 120;
const VALUE_FULL = 2000;
const ROWS_FULL = 20;

export const cut = (s: string, n: number): string => (s.length > n ? s.slice(0, n - 1) + '…' : s);

export interface ShortExchange {
  id: number;
  conn: number;
  protocol: string;
  route?: string;
  /** ISO time of the request */
  at: string;
  latencyMs?: number;
  request: string;
  answer?: string;
  error?: string;
  rows?: number;
  fingerprint?: string;
}

export function shortExchange(x: ExchangeEvent): ShortExchange {
  const s: ShortExchange = {
    id: x.id,
    conn: x.conn,
    protocol: x.protocol,
    at: new Date(x.start).toISOString(),
    request: cut(x.request.text, TEXT_SHORT),
  };
  if (x.route !== undefined) s.route = x.route;
  if (x.latencyMs !== undefined) s.latencyMs = x.latencyMs;
  if (x.response) s.answer = cut(x.response.text, ANSWER_SHORT);
  else if (x.incomplete) s.answer = '(no answer: the connection ended first)';
  if (x.response?.error) s.error = x.response.error.code;
  if (x.response?.rows !== undefined) s.rows = x.response.rows;
  if (x.fingerprint !== undefined) s.fingerprint = cut(x.fingerprint, TEXT_SHORT);
  return s;
}

/** the whole exchange with its values bounded: at most 20 rows, 2,000 characters a value */
export function fullExchange(x: ExchangeEvent): unknown {
  return JSON.parse(
    JSON.stringify(x, (key, v: unknown) => {
      if (typeof v === 'string') return cut(v, VALUE_FULL);
      if (key === 'values' && Array.isArray(v) && v.length > ROWS_FULL) {
        const rows: unknown[] = v;
        return rows.slice(0, ROWS_FULL);
      }
      return v;
    }),
  );
}
