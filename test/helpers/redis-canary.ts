// Redaction checks for the Redis decoder: feed a conversation chunk by chunk the way the relay
// does (each chunk is written out with the masks known right after it was pushed), then look for
// every form of the canary in the messages and in the written bytes.

import type { DecoderModule, Mask } from '../../src/decoders/decoder.js';
import { DEFAULT_DECODER_OPTIONS } from '../../src/decoders/decoder.js';
import type { From } from '../../src/events.js';
import { type Chunk, secretForms } from './feed.js';

export interface Leak {
  where: string;
  form: string;
}

/** feeds `chunks` like the relay and returns where the secret leaked (empty when it did not) */
export function leaks(mod: DecoderModule, chunks: Chunk[], secret: string, redact = true): Leak[] {
  const dec = mod.create({ ...DEFAULT_DECODER_OPTIONS, redact });
  const masks = new Map<string, Mask>();
  const written: Record<From, Buffer[]> = { client: [], server: [] };
  const offset: Record<From, number> = { client: 0, server: 0 };
  const texts: string[] = [];
  let stopped = false;
  for (const c of chunks) {
    if (!stopped) {
      const step = dec.push(c.from, Buffer.from(c.bytes), c.t);
      for (const m of step.masks ?? []) masks.set(`${m.from}:${m.start}`, m);
      texts.push(JSON.stringify(step.messages));
      if (step.fallback || step.opaque) stopped = true;
    }
    const out = Buffer.from(c.bytes);
    const base = offset[c.from];
    for (const m of masks.values()) {
      if (m.from !== c.from) continue;
      const s = Math.max(0, m.start - base);
      const e = Math.min(out.length, m.end - base);
      if (e > s) out.fill(0x2a, s, e);
    }
    written[c.from].push(out);
    offset[c.from] += c.bytes.length;
  }
  const found: Leak[] = [];
  const raw =
    Buffer.concat(written.client).toString('latin1') +
    '\n' +
    Buffer.concat(written.server).toString('latin1');
  const text = texts.join('\n');
  for (const form of secretForms(secret)) {
    if (text.includes(form)) found.push({ where: 'messages', form });
    if (raw.includes(form)) found.push({ where: 'bytes', form });
  }
  return found;
}

/** the conversation with the client chunk `which` split at `at` */
export function splitChunk(chunks: Chunk[], which: number, at: number): Chunk[] {
  return chunks.flatMap((c, i) =>
    i !== which || at <= 0 || at >= c.bytes.length
      ? [c]
      : [
          { ...c, bytes: c.bytes.subarray(0, at) },
          { ...c, bytes: c.bytes.subarray(at) },
        ],
  );
}
