// Feeding recorded sessions to decoders, as captured and split in other ways. Shared by every
// decoder test so that "same messages whatever the chunking" is checked the same way everywhere.

import { readFileSync } from 'node:fs';
import type { Decoded, DecoderModule, DecoderOptions, Mask } from '../../src/decoders/decoder.js';
import { DEFAULT_DECODER_OPTIONS } from '../../src/decoders/decoder.js';
import type { From } from '../../src/events.js';

export interface Chunk {
  conn: number;
  from: From;
  t: number;
  bytes: Buffer;
}

/** the wire-sample format of test/fixtures/{postgres,mysql,redis}/, copies of the shared wire
 * samples so that tests need nothing outside the repo: {"id","dir":"c2s"|"s2c","t","hex"} a line */
export function loadWireSample(path: string): Chunk[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const o = JSON.parse(l) as { id: number; dir: string; t: number; hex: string };
      return {
        conn: o.id,
        from: o.dir === 'c2s' ? 'client' : 'server',
        t: o.t,
        bytes: Buffer.from(o.hex, 'hex'),
      } satisfies Chunk;
    });
}

export function byConn(chunks: Chunk[]): Map<number, Chunk[]> {
  const m = new Map<number, Chunk[]>();
  for (const c of chunks) {
    const list = m.get(c.conn) ?? [];
    list.push(c);
    m.set(c.conn, list);
  }
  return m;
}

/** what a decoder is fed: bytes from one side, or that side's FIN */
export type Step = { from: From; t: number; bytes: Buffer } | { end: From; t: number };

export type Splitter = (bytes: Buffer) => Buffer[];
export const asCaptured: Splitter = (b) => [b];
export const oneByte: Splitter = (b) => Array.from(b, (_, i) => b.subarray(i, i + 1));
export const splitAt =
  (n: number): Splitter =>
  (b) =>
    n <= 0 || n >= b.length ? [b] : [b.subarray(0, n), b.subarray(n)];
export function randomSplits(rand: () => number, maxPiece = 17): Splitter {
  return (b) => {
    const out: Buffer[] = [];
    let i = 0;
    while (i < b.length) {
      const n = 1 + Math.floor(rand() * maxPiece);
      out.push(b.subarray(i, i + n));
      i += n;
    }
    return out;
  };
}

/** One byte at a time, a cut at every point inside the longest chunk, and `seeds` seeded random
 * cuttings: where a decoder's state crosses a chunk border, one of these crosses it. */
export function everySplit(
  steps: (Step | Chunk)[],
  seeds: number,
  maxPiece?: number,
): [string, Splitter][] {
  const max = Math.max(...steps.map((c) => ('bytes' in c ? c.bytes.length : 0)));
  const out: [string, Splitter][] = [['oneByte', oneByte]];
  for (let n = 1; n < max; n++) out.push([`splitAt(${n})`, splitAt(n)]);
  for (let seed = 1; seed <= seeds; seed++)
    out.push([`random(${seed})`, randomSplits(prng(seed), maxPiece)]);
  return out;
}

export interface FeedResult {
  messages: Decoded[];
  masks: Mask[];
  opaque: boolean;
  fallback?: string;
}

/** Feeds one connection's chunks (each split by `split`) and FINs, and collects everything the
 * decoder said. Latency is left out of the comparison helpers below because time is the chunk's
 * time. */
export function feed(
  mod: DecoderModule,
  chunks: Step[],
  split: Splitter = asCaptured,
  options: Partial<DecoderOptions> = {},
): FeedResult {
  const dec = mod.create({ ...DEFAULT_DECODER_OPTIONS, ...options });
  const out: FeedResult = { messages: [], masks: [], opaque: false };
  for (const c of chunks) {
    const pieces = 'end' in c ? [undefined] : split(c.bytes);
    for (const piece of pieces) {
      if (out.opaque || out.fallback) break;
      const step = 'end' in c ? dec.end(c.end, c.t) : dec.push(c.from, Buffer.from(piece!), c.t);
      out.messages.push(...step.messages);
      if (step.masks) out.masks.push(...step.masks);
      if (step.opaque) out.opaque = true;
      if (step.fallback) out.fallback = step.fallback;
    }
  }
  return out;
}

/** messages without timing, for comparing runs with different chunkings */
export function shape(messages: Decoded[]): unknown[] {
  return messages.map(({ latencyMs: _l, ...rest }) => rest);
}

/** Applies masks to each direction's bytes the way the relay does; returns the masked streams. */
export function applyMasks(chunks: Step[], masks: Mask[]): Record<From, Buffer> {
  const data = (from: From): Buffer =>
    Buffer.concat(chunks.flatMap((c) => ('end' in c || c.from !== from ? [] : [c.bytes])));
  const streams: Record<From, Buffer> = { client: data('client'), server: data('server') };
  const final = new Map<string, Mask>();
  for (const m of masks) final.set(`${m.from}:${m.start}`, m);
  for (const m of final.values()) {
    const s = streams[m.from];
    s.fill(0x2a, m.start, Math.min(s.length, m.end));
  }
  return streams;
}

/** mulberry32: a small seeded PRNG so fuzz failures can be replayed from the printed seed */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** every way a secret can hide in a text capture: raw, base64 at the three alignments, hex */
export function secretForms(secret: string): string[] {
  const b = Buffer.from(secret);
  const forms = [secret, b.toString('hex')];
  for (let pad = 0; pad < 3; pad++) {
    const enc = Buffer.concat([Buffer.alloc(pad), b]).toString('base64');
    // drop the characters that depend on the padding bytes and on what follows the secret
    const start = pad === 0 ? 0 : Math.ceil((pad * 4) / 3);
    const usable = Math.floor(((pad + b.length) * 4) / 3) - 1;
    forms.push(enc.slice(start, Math.max(start + 4, usable)));
  }
  return forms;
}
