// The one event model. The relay, HTTP mode and the decoders produce these; the live view, the
// capture file, the in-process API (and later the web UI and test-suite API) consume them.
// Every event is also a pino log line (level, time, msg) so that the capture is readable by
// pino-pretty as it is. The on-disk shape is documented in docs/capture-format.md: change both
// together. String unions, not enums, for anything written to disk.

export const CAPTURE_FORMAT = 'looptap-capture';
export const CAPTURE_VERSION = 1;

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

/** Anything else a reader may meet: unknown types are kept and ignored by the views. */
export type CaptureEvent =
  | HeaderEvent
  | ListeningEvent
  | OpenEvent
  | DataEvent
  | MessageEvent
  | EndEvent
  | CloseEvent
  | ErrorEvent
  | GapEvent;

export type EventType = CaptureEvent['type'];

export function opposite(from: From): From {
  return from === 'client' ? 'server' : 'client';
}
