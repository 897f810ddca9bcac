// The per-direction state of one HTTP/1.1 connection in TCP mode (connection.ts) and the
// message built from it when a request or response is complete.

import type { ByteQueue } from '../byte-queue.js';
import type { Decoded, DecoderOptions } from '../decoder.js';
import type { From } from '../../events.js';
import type { BodyReader } from './body.js';
import type { HeadScanner, RequestHead, ResponseHead } from './head.js';
import { requestMessage, responseMessage } from './message.js';

export interface Pending {
  method: string;
  url: string;
  time: number;
  /** the client asked to switch protocols (Upgrade or CONNECT): it waits for the answer */
  upgrade: boolean;
  /** a final answer arrived */
  answered: boolean;
  /** the request message, once its body is complete */
  decoded?: Decoded;
}

export interface Side {
  q: ByteQueue;
  scanner: HeadScanner;
  phase: 'head' | 'body' | 'wait';
  /** time of the current message's first byte */
  start: number | undefined;
  req?: RequestHead;
  res?: ResponseHead;
  latencyMs?: number;
  body?: BodyReader;
  ambiguous: boolean;
  /** the request being read (client side) */
  pending?: Pending;
  /** the request the response being read answers (server side) */
  answering?: Pending;
}

export function sideMessage(
  from: From,
  side: Side,
  incomplete: boolean,
  options: DecoderOptions,
): Decoded {
  const b = side.body;
  const body = {
    body: b?.kept ?? [],
    bodyLength: b?.length ?? 0,
    trailers: b?.trailers,
    framing: side.ambiguous ? ('ambiguous' as const) : undefined,
    incomplete,
    bodyRedacted: b?.redactedKept,
  };
  if (from === 'client' && side.req) {
    const r = side.req;
    return requestMessage(
      { method: r.method, url: r.url, version: r.version, headers: r.fields, ...body },
      options,
    );
  }
  const r = side.res!;
  return responseMessage(
    {
      status: r.status,
      reason: r.reason,
      version: r.version,
      headers: r.fields,
      latencyMs: side.latencyMs,
      ...body,
    },
    options,
  );
}
