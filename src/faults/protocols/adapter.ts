// What the faults layer needs to know of a protocol: where each client request starts and ends
// (so a matching one can be held, answered or dropped whole), what it asks (for `match`), where
// each of the server's answers ends (so an injected answer takes its place in the order the
// client expects) and where result rows end (drop_connection after K rows). Adapters reuse the
// decoders' framers (src/decoders/*) and build the protocol's own error answer.

import type { ExchangeRequest, ProtocolName } from '../../events.js';
import type { Attributes } from '../toxics.js';

/** one client request (or a message that is not one: startup, auth, COPY data) */
export interface Unit {
  /** absolute offsets in the client's byte stream */
  start: number;
  end: number;
  /** set for requests a toxic may match */
  request?: ExchangeRequest;
  /** answers the server ends for it (PostgreSQL ReadyForQuery, a Redis reply) */
  answers: number;
  /** PostgreSQL: the request ended at a Flush, so an error answer has no ReadyForQuery yet */
  flush?: boolean;
}

export interface ServerMarks {
  /** absolute end offsets of complete answers in the server's byte stream */
  answers: number[];
  /** absolute end offsets of result rows */
  rows: number[];
}

/** what an adapter says about a unit before any toxic looks at it (PostgreSQL: a transaction a
 * fault failed stays failed for the client, as the server would keep it) */
export type Override =
  { reply: Buffer; why: string } | { rewrite: Buffer; answers: number } | undefined;

export interface Adapter {
  readonly protocol: ProtocolName;
  /** false when answers cannot be counted: injected answers then go out at once */
  readonly countsAnswers: boolean;
  /** client bytes in; the units they complete, in order */
  client(chunk: Buffer): Unit[];
  server(chunk: Buffer): ServerMarks;
  /** the bytes after the last complete unit belong to a request that may be matched */
  readonly partialHoldable: boolean;
  /** the framing is lost (TLS, an unknown message): forward everything from here */
  readonly lost: boolean;
  override?(unit: Unit): Override;
  /** the protocol's own error answer to `unit`, from reply_error attributes */
  errorReply(attrs: Attributes, unit: Unit): Buffer;
}

export const EMPTY_MARKS: ServerMarks = Object.freeze({ answers: [], rows: [] });
