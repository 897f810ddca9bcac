// The contract between the relay and a protocol decoder. A decoder is sans-I/O: it is given
// copies-by-reference of the bytes each side sent (never sockets, timers or loggers) and answers
// with decoded messages and with the byte ranges that hold secrets. It must not keep references
// to whole chunks it no longer needs, must cap what it keeps, and must never throw on bad input:
// it reports `fallback` instead and the relay stops decoding that connection.
//
//   relay ──push(from, chunk, time)──▶ decoder ──▶ { messages, masks, opaque, fallback }
//
// One decoder instance per connection, fed both directions in the order the relay saw them.

import type { From, ProtocolName } from '../events.js';

export interface DecoderOptions {
  /** hide secrets (passwords, auth data, credential headers); on unless --no-redact */
  redact: boolean;
  /** the most bytes of one decoded value (sql text, a param, a body) kept in a message */
  maxValue: number;
}

export const DEFAULT_DECODER_OPTIONS: DecoderOptions = { redact: true, maxValue: 64 * 1024 };

/** One protocol message. `fields` are merged into the event line, so they must be JSON-safe and
 * must not use the names of the common fields (type, time, level, msg, conn, from, protocol,
 * name, route). */
export interface Decoded {
  from: From;
  /** the protocol's own message name: "Query", "COM_QUERY", "command", "request", ... */
  name: string;
  /** one line for people: `select * from t`, `SELECT 1`, `GET /x`; the view adds name/arrow */
  summary: string;
  fields: Record<string, unknown>;
  /** on answers: ms from the first byte of the request it answers */
  latencyMs?: number;
  /** pino level; 30 unless the message is an error answer (40) */
  level?: number;
}

/** A byte range in one direction whose bytes must not reach any log or capture. `end` may lie
 * beyond the bytes received so far (the rest is masked as it arrives) and may be Infinity while
 * the decoder does not yet know where the secret ends; a later mask with the same `from` and
 * `start` replaces the earlier one. */
export interface Mask {
  from: From;
  start: number;
  end: number;
}

export interface DecodeStep {
  messages: Decoded[];
  masks?: Mask[];
  /** the connection switched to something this decoder cannot read (TLS): stop feeding it */
  opaque?: boolean;
  /** the decoder is lost (bad framing, impossible length): reason; the relay stops feeding it */
  fallback?: string;
}

export interface Decoder {
  readonly protocol: ProtocolName;
  push(from: From, chunk: Buffer, time: number): DecodeStep;
  /** that side sent FIN */
  end(from: From, time: number): DecodeStep;
}

export type Sniff = 'yes' | 'no' | 'more';

export interface DecoderModule {
  protocol: ProtocolName;
  /** Does a connection whose first bytes (from the side that spoke first) are `head` speak this
   * protocol? `more` when `head` is too short to tell. Must be cheap and never throw. */
  sniff(from: From, head: Buffer): Sniff;
  create(options: DecoderOptions): Decoder;
}

export const NOTHING: DecodeStep = Object.freeze({ messages: [] });
