// What the browser gets: a compact row per exchange for the table (a row is small so that a
// page of thousands stays light), and the full detail of one exchange on demand.

import type { ExchangeEvent } from '../events.js';
import type { Stored } from '../store/exchange-store.js';
import type { ConnectionRow } from '../store/connections.js';
import { copyAs, type CopyCommand } from './copy-as.js';
import { cut } from '../decoders/summary-text.js';

export interface Row {
  id: number;
  conn: number;
  route?: string;
  protocol: string;
  start: number;
  latencyMs?: number;
  request: string;
  result: string;
  rows?: number;
  error?: string;
  status?: number;
  incomplete?: boolean;
  fp?: string;
  txn?: string;
}

const REQUEST_CHARS = 300;
const RESULT_CHARS = 160;

export function rowOf(x: ExchangeEvent): Row {
  const r: Row = {
    id: x.id,
    conn: x.conn,
    protocol: x.protocol,
    start: x.start,
    request: cut(x.request.text, REQUEST_CHARS),
    result: x.response ? cut(x.response.text, RESULT_CHARS) : 'no answer',
  };
  if (x.route !== undefined) r.route = x.route;
  if (x.latencyMs !== undefined) r.latencyMs = x.latencyMs;
  if (x.response?.rows !== undefined) r.rows = x.response.rows;
  if (x.response?.error) r.error = x.response.error.code;
  if (x.response?.status !== undefined) r.status = x.response.status;
  if (x.incomplete) r.incomplete = true;
  if (x.fingerprintId) r.fp = x.fingerprintId;
  if (x.txn) r.txn = x.txn;
  return r;
}

export interface Detail {
  exchange: ExchangeEvent;
  frames: Stored['frames']['frames'];
  moreFrames: number;
  hex: { client: string; server: string };
  totalBytes: { client: number; server: number };
  connection?: ConnectionRow;
  copy: CopyCommand[];
}

export function detailOf(s: Stored, conn: ConnectionRow | undefined): Detail {
  return {
    exchange: s.exchange,
    frames: s.frames.frames,
    moreFrames: s.frames.moreFrames,
    hex: {
      client: s.frames.bytes.client.toString('base64'),
      server: s.frames.bytes.server.toString('base64'),
    },
    totalBytes: s.frames.totalBytes,
    connection: conn,
    copy: copyAs(s.exchange, { target: conn?.target, user: conn?.user, database: conn?.database }),
  };
}
