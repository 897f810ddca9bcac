// The one event model. The relay, HTTP mode and the decoders produce these; the live view, the
// capture file, the in-process API (and later the web UI and test-suite API) consume them.
// Every event is also a pino log line (level, time, msg) so that the capture is readable by
// pino-pretty as it is. The on-disk shape is documented in docs/capture-format.md: change both
// together. String unions, not enums, for anything written to disk.

export const CAPTURE_FORMAT = 'looptap-capture';
/** the newest capture format this looptap reads and writes (1: base64 payloads in the lines;
 * 2: raw payloads in a .bin file beside them) */
export const CAPTURE_VERSION = 2;

export type From = 'client' | 'server';
export type Mode = 'tcp' | 'http';
export type ProtocolName = 'postgres' | 'mysql' | 'redis' | 'http';
export type DecodeSetting = 'auto' | 'raw' | ProtocolName;

/** pino level numbers */
export const LEVEL = { debug: 20, info: 30, warn: 40, error: 50 } as const;

export type CloseReason =
  | 'client_fin' // the client ended first with a clean FIN, then the server too
  | 'server_fin'
  | 'client_reset' // the client reset (RST) or errored; the server side was reset in turn
  | 'server_reset'
  | 'connect_failed' // the target refused or could not be reached
  | 'connect_timeout'
  | 'shutdown'; // looptap was stopping and the grace period ran out

interface Base {
  time: number;
  level: number;
  msg: string;
  /** set when several routes share one process (issue: many routes) */
  route?: string;
}

export interface HeaderEvent extends Base {
  type: 'header';
  format: typeof CAPTURE_FORMAT;
  version: number;
  looptap: string;
  /** the protocols whose decoders write exchange events (absent in a v0.1 capture): a reader
   * can hide their frames from the first one instead of from their first exchange */
  exchanges?: ProtocolName[];
}

export interface ListeningEvent extends Base {
  type: 'listening';
  listen: string;
  target: string;
  mode: Mode;
  decode: DecodeSetting;
}

export interface OpenEvent extends Base {
  type: 'open';
  conn: number;
  client: string;
  listen: string;
  target: string;
}

export interface DataEvent extends Base {
  type: 'data';
  conn: number;
  from: From;
  /** per connection and direction, from 0 */
  seq: number;
  /** byte offset of this chunk in its direction */
  offset: number;
  len: number;
  /** the bytes; secrets already masked when redaction is on (see `redacted`) */
  bytes: Buffer;
  /** number of bytes in this chunk replaced by redaction (absent when none) */
  redacted?: number;
  /** the decoder reading this connection; set live, not written to the capture */
  protocol?: ProtocolName;
  /** set when --max-payload cut the kept bytes: `bytes` holds the first ones, `len` the original */
  truncated?: boolean;
}

export interface MessageEvent extends Base {
  type: 'message';
  conn: number;
  from: From;
  protocol: ProtocolName;
  name: string;
  /** decoded fields, JSON-safe; merged into the top level of the line on disk */
  fields: Record<string, unknown>;
  latencyMs?: number;
  /** in memory only, never on disk: an error that answered no request (a failed login), which
   * the live view shows beside the exchanges (Decoded.standalone, decoders/key-frames.ts) */
  standalone?: true;
}

export interface EndEvent extends Base {
  type: 'end';
  conn: number;
  from: From;
}

export interface CloseEvent extends Base {
  type: 'close';
  conn: number;
  reason: CloseReason;
  bytes: { client: number; server: number };
  ms: number;
}

export interface ErrorEvent extends Base {
  type: 'error';
  code: string;
  message: string;
  conn?: number;
}

export interface GapEvent extends Base {
  type: 'gap';
  conn: number;
  from: From;
  offset: number;
  len: number;
  reason: string;
}

/** Transaction state after an exchange, where the protocol says it (PostgreSQL ReadyForQuery,
 * MySQL status flags): `idle` outside a transaction, `in` inside one, `failed` inside one that
 * must be rolled back. */
export type TxnState = 'idle' | 'in' | 'failed';

/** The request half of an exchange. `text` is always set: it is what the live view prints and
 * what `~RE` in the filter language matches. The other fields are set where the protocol has
 * them. Values are JSON-safe and already redacted (a secret is the string REDACTED). */
export interface ExchangeRequest {
  /** one line for people: the SQL text, `GET user:1`, `GET /users/1` */
  text: string;
  /** how the request was made: 'query' (simple), 'extended' (Parse/Bind/Execute), 'prepare',
   * 'execute', 'copy', 'command', 'push' (server push with no request), 'http', ... */
  kind?: string;
  /** postgres, mysql: the statement text (sqlcommenter comment stripped into `comment`) */
  sql?: string;
  /** postgres Bind, mysql COM_STMT_EXECUTE: typed parameter values, in order */
  params?: unknown[];
  /** prepared statement name (postgres) or id (mysql) */
  statement?: string | number;
  /** redis: the command and its arguments as strings */
  command?: string[];
  /** http */
  method?: string;
  url?: string;
  headers?: Record<string, string | string[]>;
  /** http: the body as text when it is text (cut at --max-value), else absent; see bodyBytes */
  body?: string;
  bodyBytes?: number;
  /** sqlcommenter key/values found in a trailing comment (route, traceparent, ...) */
  comment?: Record<string, string>;
  /** true where something was cut at --max-value */
  truncated?: boolean;
}

export interface ExchangeError {
  /** SQLSTATE (postgres, mysql's sqlState is in sqlState), MySQL error number as a string,
   * Redis error prefix (`ERR`, `WRONGTYPE`, `BUSY`), or the HTTP status for 5xx */
  code: string;
  message: string;
  sqlState?: string;
}

/** The answer half. `text` is always set (one line: `SELECT 1`, `OK`, `(integer) 3`, `200 OK`,
 * `ERROR 40001 could not serialize`). */
export interface ExchangeResponse {
  text: string;
  /** postgres CommandComplete tag, mysql `OK` / `ResultSet` */
  tag?: string;
  /** http status */
  status?: number;
  /** rows returned (or affected, for writes) */
  rows?: number;
  /** result column names */
  columns?: string[];
  /** the first result rows (at most --max-rows), as typed JSON values; long values cut with … */
  values?: unknown[][];
  /** more rows came than `values` holds */
  rowsTruncated?: boolean;
  error?: ExchangeError;
  /** redis: the reply rendered like redis-cli renders it (one string, lines joined by \n) */
  reply?: string;
  headers?: Record<string, string | string[]>;
  body?: string;
  bodyBytes?: number;
  /** COPY: bytes moved */
  bytes?: number;
}

/** One request and its answer, built by the connection's decoder from the frames it saw. The
 * frames stay in the capture as `message` events; an exchange is written after the last frame
 * that completes it. */
export interface ExchangeEvent extends Base {
  type: 'exchange';
  conn: number;
  protocol: ProtocolName;
  /** unique in the run (and so in a capture), increasing in the order exchanges complete */
  id: number;
  /** epoch ms (fractional) of the request's first byte */
  start: number;
  /** ms from the request's first byte to the answer's last; absent when no answer came */
  latencyMs?: number;
  request: ExchangeRequest;
  /** absent when the connection ended before the answer (then `incomplete` is set) */
  response?: ExchangeResponse;
  incomplete?: boolean;
  /** normalised statement text for the digest: `select name from users where id = $1`,
   * `GET user:*`, `GET /users/:id` (literals never appear) */
  fingerprint?: string;
  /** a short stable hash of the fingerprint */
  fingerprintId?: string;
  /** transaction state after this exchange, where the protocol says it */
  txn?: TxnState;
  /** set when a fault answered this request instead of the server (the toxic's name) */
  injected?: string;
}

/** Anything else a reader may meet: unknown types are kept and ignored by the views. */
export type CaptureEvent =
  | HeaderEvent
  | ListeningEvent
  | OpenEvent
  | DataEvent
  | MessageEvent
  | ExchangeEvent
  | EndEvent
  | CloseEvent
  | ErrorEvent
  | GapEvent;

export type EventType = CaptureEvent['type'];

export function opposite(from: From): From {
  return from === 'client' ? 'server' : 'client';
}
