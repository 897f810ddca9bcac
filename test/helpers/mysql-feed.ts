// Feeding MySQL sessions to the decoder and collecting its exchanges as well as its messages
// (feed.ts collects messages and masks only).

import type { ExchangeDraft } from '../../src/decoders/decoder.js';
import { DEFAULT_DECODER_OPTIONS } from '../../src/decoders/decoder.js';
import type { DecoderOptions } from '../../src/decoders/decoder.js';
import { mysql } from '../../src/decoders/mysql/index.js';
import type { Chunk, Splitter, Step } from './feed.js';
import { asCaptured, byConn, loadWireSample } from './feed.js';

/** the captured MariaDB sessions (a copy of the shared wire sample my.jsonl), by connection */
export const mysqlSessions = (): Map<number, Chunk[]> =>
  byConn(loadWireSample(new URL('../fixtures/mysql/my.jsonl', import.meta.url).pathname));

export interface Fed {
  exchanges: ExchangeDraft[];
  fallback?: string;
  /** something other than a protocol fallback: a decoder bug */
  threw?: unknown;
}

export function feedExchanges(
  steps: Step[],
  split: Splitter = asCaptured,
  options: Partial<DecoderOptions> = {},
): Fed {
  const dec = mysql.create({ ...DEFAULT_DECODER_OPTIONS, ...options });
  const out: Fed = { exchanges: [] };
  try {
    for (const s of steps) {
      const pieces = 'end' in s ? [undefined] : split(s.bytes);
      for (const piece of pieces) {
        const step = 'end' in s ? dec.end(s.end, s.t) : dec.push(s.from, Buffer.from(piece!), s.t);
        if (step.exchanges) out.exchanges.push(...step.exchanges);
        if (step.fallback) out.fallback = step.fallback;
        if (step.fallback || step.opaque) return out;
      }
    }
  } catch (e) {
    out.threw = e;
  }
  return out;
}

/** exchanges without timing, for comparing chunkings */
export const timeless = (xs: ExchangeDraft[]): unknown[] =>
  xs.map(({ latencyMs: _l, start: _s, ...rest }) => rest);
