// What the Observer does once a decoder is out of a connection, whether it gave up (a protocol
// fallback: bytes it cannot frame) or broke (a decoder bug: it threw). Both stop decoding; the
// difference is who is at fault, so each has its own error code and level:
//
//   DECODE_FALLBACK  level 40  the peer sent something the decoder does not understand
//   DECODE_BUG       level 50  the decoder threw (TypeError, RangeError...): a looptap bug
//
// Either way redaction must go on: the protocol's SecretScanner (if it has one) watches every
// later byte of both directions and its masks reach the Redactor before the chunk's data event
// is made. A scanner that throws is a bug too, and then nothing more of the connection is
// recorded in clear: every later byte is masked.

import type { ErrorEvent, From, ProtocolName } from '../events.js';
import { LEVEL } from '../events.js';
import type { SecretScanner } from '../decoders/decoder.js';
import type { Redactor } from './redactor.js';

export const DECODE_FALLBACK = 'DECODE_FALLBACK';
export const DECODE_BUG = 'DECODE_BUG';

export interface Where {
  conn: number;
  protocol: ProtocolName | undefined;
  from: From;
  offset: number;
}

export function fallbackEvent(w: Where, reason: string): ErrorEvent {
  const message = `${w.protocol} decoder lost track at ${w.from} byte ${w.offset} (${reason}); showing raw bytes for the rest of connection #${w.conn}`;
  return errorEvent(w.conn, LEVEL.warn, DECODE_FALLBACK, message);
}

export function bugEvent(w: Where, err: unknown): ErrorEvent {
  const message = `${w.protocol} decoder bug at ${w.from} byte ${w.offset}: ${describeThrown(err)}; showing raw bytes for the rest of connection #${w.conn} (forwarding is unaffected); please report it`;
  return errorEvent(w.conn, LEVEL.error, DECODE_BUG, message);
}

/** "TypeError: x is undefined (at frame (file.js:10:5))": the exception and where it came from */
export function describeThrown(err: unknown): string {
  if (!(err instanceof Error)) return `threw ${String(err)}`;
  const frame = err.stack
    ?.split('\n')
    .find((l) => /^\s+at /.test(l))
    ?.trim()
    .slice(3);
  return `${err.name}: ${err.message}${frame ? ` (at ${frame})` : ''}`;
}

function errorEvent(conn: number, level: number, code: string, message: string): ErrorEvent {
  return { type: 'error', time: Date.now(), level, msg: message, code, message, conn };
}

/** Runs a protocol's secret scanner over the bytes no decoder reads any more. */
export class ScanAfterDecoder {
  private failed = false;

  constructor(
    private scanner: SecretScanner | undefined,
    private readonly redactor: Redactor,
    private readonly report: (e: ErrorEvent) => void,
    private readonly where: (from: From, offset: number) => Where,
  ) {}

  /** scans one chunk and adds its masks, before the chunk's data event is made */
  push(from: From, chunk: Buffer, offset: number): void {
    // after a scanner bug, the masks to Infinity added below cover everything
    if (this.failed || !this.scanner) return;
    try {
      for (const m of this.scanner.push(from, chunk, offset)) this.redactor.add(m);
    } catch (err) {
      this.failed = true;
      this.scanner = undefined;
      const w = this.where(from, offset);
      const message = `${w.protocol} secret scanner bug at ${from} byte ${offset}: ${describeThrown(err)}; every later byte of connection #${w.conn} is masked in the capture (forwarding is unaffected); please report it`;
      this.report(errorEvent(w.conn, LEVEL.error, DECODE_BUG, message));
      this.redactor.add({ from: 'client', start: 0, end: Infinity });
      this.redactor.add({ from: 'server', start: 0, end: Infinity });
    }
  }
}
