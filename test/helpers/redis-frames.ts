// Builders and checks shared by the Redis decoder tests: RESP frames, little conversations, and
// "the same messages whatever the chunking" over one connection's chunks.

import type { Test } from 'tap';
import type { DecoderModule, DecoderOptions } from '../../src/decoders/decoder.js';
import type { From } from '../../src/events.js';
import { type Chunk, type Splitter, feed, oneByte, prng, randomSplits, shape } from './feed.js';

/** a command as RESP multibulk */
export function cmd(...args: (string | Buffer)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const a of args) {
    const b = Buffer.isBuffer(a) ? a : Buffer.from(a);
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

/** a conversation: alternate [from, bytes] steps, as chunks of connection 1 */
export function convo(...steps: [From, string | Buffer][]): Chunk[] {
  return steps.map(([from, b], i) => ({
    conn: 1,
    from,
    t: 1000 + i,
    bytes: Buffer.isBuffer(b) ? b : Buffer.from(b, 'latin1'),
  }));
}

/** splits one chunk of the conversation at one position, the others stay whole */
function splitOne(chunks: Chunk[], which: number, at: number): Chunk[] {
  return chunks.flatMap((c, i) =>
    i !== which || at <= 0 || at >= c.bytes.length
      ? [c]
      : [
          { ...c, bytes: c.bytes.subarray(0, at) },
          { ...c, bytes: c.bytes.subarray(at) },
        ],
  );
}

/** every chunking gives the same messages as the captured one; returns that reference */
export function sameWhateverTheSplits(
  t: Test,
  mod: DecoderModule,
  chunks: Chunk[],
  options: Partial<DecoderOptions> = {},
  seeds = [1, 2, 3],
): ReturnType<typeof feed> {
  const ref = feed(mod, chunks, undefined, options);
  const want = shape(ref.messages);
  const differs: string[] = [];
  const check = (label: string, got: ReturnType<typeof feed>): void => {
    if (
      JSON.stringify(shape(got.messages)) !== JSON.stringify(want) ||
      got.fallback !== ref.fallback
    )
      differs.push(label);
  };
  check('one byte', feed(mod, chunks, oneByte, options));
  for (const seed of seeds) {
    const split: Splitter = randomSplits(prng(seed));
    check(`random seed ${seed}`, feed(mod, chunks, split, options));
  }
  chunks.forEach((c, i) => {
    for (let at = 1; at < c.bytes.length; at++) {
      check(`chunk ${i} split at ${at}`, feed(mod, splitOne(chunks, i, at), undefined, options));
    }
  });
  t.same(differs, [], 'same messages whatever the chunking');
  return ref;
}
