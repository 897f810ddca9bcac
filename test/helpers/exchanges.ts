// ExchangeEvent objects built by hand, exactly as src/events.ts defines them, for the filter,
// digest and view tests (the decoders that emit them live on other branches this round).

import { writeFileSync } from 'node:fs';
import type {
  CaptureEvent,
  CloseEvent,
  ExchangeEvent,
  ExchangeRequest,
  ExchangeResponse,
  OpenEvent,
  ProtocolName,
} from '../../src/events.js';
import { toLine } from '../../src/capture/line-format.js';

let nextId = 1;

export interface Ex {
  conn?: number;
  protocol?: ProtocolName;
  route?: string;
  id?: number;
  start?: number;
  latencyMs?: number;
  request?: Partial<ExchangeRequest>;
  response?: Partial<ExchangeResponse> | null;
  fingerprint?: string;
  txn?: ExchangeEvent['txn'];
  incomplete?: boolean;
}

export function ex(o: Ex = {}): ExchangeEvent {
  const request: ExchangeRequest = { text: o.request?.sql ?? 'select 1', ...o.request };
  const e: ExchangeEvent = {
    type: 'exchange',
    time: Math.floor(o.start ?? 1_700_000_000_000),
    level: 30,
    msg: request.text,
    conn: o.conn ?? 1,
    protocol: o.protocol ?? 'postgres',
    id: o.id ?? nextId++,
    start: o.start ?? 1_700_000_000_000,
    request,
  };
  if (o.route !== undefined) e.route = o.route;
  if (o.latencyMs !== undefined) e.latencyMs = o.latencyMs;
  if (o.response !== null) e.response = { text: 'SELECT 1', ...o.response };
  if (o.fingerprint !== undefined) e.fingerprint = o.fingerprint;
  if (o.txn !== undefined) e.txn = o.txn;
  if (o.incomplete) e.incomplete = true;
  return e;
}

/** writes a capture file (header line, then the events) the way the capture writer does */
export function writeCapture(path: string, events: CaptureEvent[]): void {
  const header = {
    time: 1_700_000_000_000,
    level: 30,
    msg: 'looptap capture',
    type: 'header',
    format: 'looptap-capture',
    version: 1,
    looptap: '0.2.0',
  };
  writeFileSync(
    path,
    JSON.stringify(header) + '\n' + events.map((e) => toLine(e).toString('utf8')).join(''),
    {
      mode: 0o600,
    },
  );
}

export function openEvent(conn: number, route?: string): OpenEvent {
  return {
    type: 'open',
    time: 1_700_000_000_000,
    level: 30,
    msg: 'open',
    conn,
    client: '127.0.0.1:50000',
    listen: '127.0.0.1:1',
    target: '127.0.0.1:2',
    ...(route ? { route } : {}),
  };
}

export function closeEvent(conn: number, route?: string): CloseEvent {
  return {
    type: 'close',
    time: 1_700_000_000_100,
    level: 30,
    msg: 'close',
    conn,
    reason: 'client_fin',
    bytes: { client: 10, server: 20 },
    ms: 100,
    ...(route ? { route } : {}),
  };
}
