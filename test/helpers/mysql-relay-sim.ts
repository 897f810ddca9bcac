// Feeds a decoder the way the relay's observer does: each piece is pushed, its masks are added
// to a Redactor, and only then is the piece recorded. A mask reported late (after the chunk that
// held the secret was recorded) therefore fails the canary tests, as it would in a real capture.

import type { DecoderModule, DecoderOptions, Decoded } from '../../src/decoders/decoder.js';
import { DEFAULT_DECODER_OPTIONS } from '../../src/decoders/decoder.js';
import type { From } from '../../src/events.js';
import { Redactor } from '../../src/relay/redactor.js';
import type { Chunk, Splitter } from './feed.js';
import { secretForms } from './feed.js';

export interface Recorded {
  messages: Decoded[];
  streams: Record<From, Buffer>;
  /** base64 of every recorded piece, as the capture file holds them */
  base64: string[];
  fallback?: string;
}

export function record(
  mod: DecoderModule,
  chunks: Chunk[],
  split: Splitter,
  options: Partial<DecoderOptions> = {},
): Recorded {
  const dec = mod.create({ ...DEFAULT_DECODER_OPTIONS, ...options });
  const redactor = new Redactor();
  const offset: Record<From, number> = { client: 0, server: 0 };
  const parts: Record<From, Buffer[]> = { client: [], server: [] };
  const out: Recorded = {
    messages: [],
    streams: { client: Buffer.alloc(0), server: Buffer.alloc(0) },
    base64: [],
  };
  let stopped = false;
  for (const c of chunks) {
    for (const piece of split(c.bytes)) {
      if (!stopped) {
        const step = dec.push(c.from, Buffer.from(piece), c.t);
        out.messages.push(...step.messages);
        for (const m of step.masks ?? []) redactor.add(m);
        if (step.opaque || step.fallback) stopped = true;
        if (step.fallback) out.fallback = step.fallback;
      }
      const { bytes } = redactor.apply(c.from, offset[c.from], piece);
      offset[c.from] += piece.length;
      parts[c.from].push(Buffer.from(bytes));
      out.base64.push(Buffer.from(bytes).toString('base64'));
    }
  }
  out.streams = { client: Buffer.concat(parts.client), server: Buffer.concat(parts.server) };
  return out;
}

/** every place the secret shows up: in messages, in the recorded bytes (raw, hex, base64) */
export function leaks(rec: Recorded, secret: string): string[] {
  const forms = secretForms(secret);
  const found: string[] = [];
  const json = JSON.stringify(rec.messages);
  for (const f of forms) if (json.includes(f)) found.push(`message: ${f}`);
  for (const from of ['client', 'server'] as const) {
    const s = rec.streams[from];
    const texts = [s.toString('latin1'), s.toString('hex'), s.toString('base64')];
    for (const f of forms) if (texts.some((x) => x.includes(f))) found.push(`${from} bytes: ${f}`);
  }
  const b64 = rec.base64.join('\n');
  for (const f of forms) if (b64.includes(f)) found.push(`capture base64: ${f}`);
  return found;
}
