// Feeding PostgreSQL sessions to the decoder and collecting its exchanges too (feed.ts collects
// messages and masks only), plus the strict JSON check the decoder tests share.

import type {
  DecoderModule,
  DecoderOptions,
  ExchangeDraft,
  Mask,
} from '../../src/decoders/decoder.js';
import { DEFAULT_DECODER_OPTIONS } from '../../src/decoders/decoder.js';
import { postgres } from '../../src/decoders/postgres/index.js';
import type { Decoded } from '../../src/decoders/decoder.js';
import type { Splitter, Step } from './feed.js';
import { asCaptured } from './feed.js';

export interface PgFeed {
  messages: Decoded[];
  exchanges: ExchangeDraft[];
  masks: Mask[];
  fallback?: string;
}

export function feedPg(
  chunks: Step[],
  split: Splitter = asCaptured,
  options: Partial<DecoderOptions> = {},
  mod: DecoderModule = postgres,
): PgFeed {
  const dec = mod.create({ ...DEFAULT_DECODER_OPTIONS, ...options });
  const out: PgFeed = { messages: [], exchanges: [], masks: [] };
  for (const c of chunks) {
    const pieces = 'end' in c ? [undefined] : split(c.bytes);
    for (const piece of pieces) {
      if (out.fallback) break;
      const step = 'end' in c ? dec.end(c.end, c.t) : dec.push(c.from, Buffer.from(piece!), c.t);
      out.messages.push(...step.messages);
      if (step.exchanges) out.exchanges.push(...step.exchanges);
      if (step.masks) out.masks.push(...step.masks);
      if (step.fallback) out.fallback = step.fallback;
    }
  }
  return out;
}

/** exchanges without timing, for comparing runs with different chunkings */
export function xshape(xs: ExchangeDraft[]): unknown[] {
  return xs.map(({ latencyMs: _l, start: _s, ...rest }) => rest);
}

/** Why `v` is not plain JSON (a value JSON.parse(JSON.stringify(v)) gives back equal), or
 * undefined when it is: no undefined, NaN, Infinity, Buffer, Date, BigInt, class instances. */
export function notJson(v: unknown, path = '$'): string | undefined {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return undefined;
  if (typeof v === 'number') return Number.isFinite(v) ? undefined : `${path} is ${v}`;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const bad = notJson(v[i], `${path}[${i}]`);
      if (bad) return bad;
    }
    return undefined;
  }
  if (typeof v === 'object') {
    const proto = Object.getPrototypeOf(v) as unknown;
    if (proto !== Object.prototype && proto !== null) return `${path} is a ${v.constructor.name}`;
    for (const [k, x] of Object.entries(v)) {
      const bad = notJson(x, `${path}.${k}`);
      if (bad) return bad;
    }
    return undefined;
  }
  return `${path} is a ${typeof v}`;
}
