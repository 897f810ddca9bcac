// The contract between the relay and a protocol decoder. A decoder is sans-I/O: it is given
// copies-by-reference of the bytes each side sent (never sockets, timers or loggers) and answers
// with decoded messages and with the byte ranges that hold secrets. It must not keep references
// to whole chunks it no longer needs, must cap what it keeps, and must never throw on bad input:
// it reports `fallback` instead and the relay stops decoding that connection.
//
//   relay ──push(from, chunk, time)──▶ decoder ──▶ { messages, masks, opaque, fallback }
//
// One decoder instance per connection, fed both directions in the order the relay saw them.

import type { ExchangeRequest, ExchangeResponse, From, ProtocolName, TxnState } from '../events.js';

export interface DecoderOptions {
  /** hide secrets (passwords, auth data, credential headers); on unless --no-redact */
  redact: boolean;
  /** the most bytes of one decoded value (sql text, a param, a body) kept in a message */
  maxValue: number;
  /** the most result rows whose values an exchange keeps (--max-rows; default 20) */
  maxRows?: number;
  /** extra header names whose values are secrets (--redact-header), added to the defaults */
  redactHeaders?: readonly string[];
  /** extra query/form/JSON field names whose values are secrets (--redact-field) */
  redactFields?: readonly string[];
}

export const DEFAULT_DECODER_OPTIONS: DecoderOptions = {
  redact: true,
  maxValue: 64 * 1024,
  maxRows: 20,
};

/** An exchange as a decoder reports it; the Observer adds conn, id, route, fingerprint. */
export interface ExchangeDraft {
  /** epoch ms (fractional) of the request's first byte, from the `time` given to push() */
  start: number;
  latencyMs?: number;
  request: ExchangeRequest;
  response?: ExchangeResponse;
  incomplete?: boolean;
  txn?: TxnState;
  /** pino level of the exchange line: 40 for an error answer */
  level?: number;
}

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
  /** an error that answered no request (a failed login, an error on an idle connection): no
   * exchange carries it, so readers of exchanges are shown it all the same (key-frames.ts) */
  standalone?: true;
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
  /** exchanges completed by this step, in completion order */
  exchanges?: ExchangeDraft[];
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

/** A streaming scan for one protocol's secret shapes (`PASSWORD '...'`, `IDENTIFIED BY`,
 * `Authorization:`, `AUTH ...`) in bytes the decoder does not read: the Observer runs it on every
 * chunk after a fallback, and a decoder may run one itself over bytes beyond its kept window.
 * Bounded memory (a small tail carried across chunks), never throws. */
export interface SecretScanner {
  /** the next bytes of one direction, starting at byte `offset` of that direction; returns masks
   * in the same absolute offsets (they may reach back into earlier chunks' tail) */
  push(from: From, chunk: Buffer, offset: number): Mask[];
}

export type Sniff = 'yes' | 'no' | 'more';

export interface DecoderModule {
  protocol: ProtocolName;
  /** Does a connection whose first bytes (from the side that spoke first) are `head` speak this
   * protocol? `more` when `head` is too short to tell. Must be cheap and never throw. */
  sniff(from: From, head: Buffer): Sniff;
  create(options: DecoderOptions): Decoder;
  /** the protocol's secret scanner, for bytes no decoder reads (see SecretScanner) */
  scanner?(options: DecoderOptions): SecretScanner;
}

export const NOTHING: DecodeStep = Object.freeze({ messages: [] });
