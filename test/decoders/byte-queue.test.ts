// ByteQueue (src/decoders/byte-queue.ts) against the simplest model of it, one flat Buffer and
// the absolute offset of its first byte: every decoder frames through it, so a byte lost, doubled
// or misplaced at a chunk border would corrupt every protocol at once, and only under chunkings
// the captured sessions may not hold. Seeded, so a failure names the seed and step to replay.

import t from 'tap';
import { ByteQueue } from '../../src/decoders/byte-queue.js';
import { prng } from '../helpers/feed.js';

const bytes = (...xs: number[]): Buffer => Buffer.from(xs);

function queueOf(...chunks: Buffer[]): ByteQueue {
  const q = new ByteQueue();
  for (const c of chunks) q.push(c);
  return q;
}

t.test('reads across chunk borders as one stream', (t) => {
  const q = queueOf(bytes(1, 2), Buffer.alloc(0), bytes(3), bytes(4, 5, 6));
  t.equal(q.length, 6, 'an empty chunk adds nothing');
  t.same(
    [0, 1, 2, 3, 4, 5].map((i) => q.at(i)),
    [1, 2, 3, 4, 5, 6],
  );
  t.equal(q.at(-1), -1, 'before the cursor');
  t.equal(q.at(6), -1, 'past the end');
  t.same(q.peek(4, 1), bytes(2, 3, 4, 5), 'peek spans three chunks');
  t.same(q.peek(10, 4), bytes(5, 6), 'peek past the end is cut to what is queued');
  t.equal(q.peek(3, 6).length, 0, 'peek at the end is empty');
  t.equal(q.length, 6, 'peek consumes nothing');
  t.equal(q.offset, 0);
  t.end();
});

t.test('take and skip consume and move the absolute offset', (t) => {
  const q = queueOf(bytes(1, 2, 3), bytes(4, 5));
  t.same(q.take(2), bytes(1, 2));
  t.equal(q.offset, 2);
  t.equal(q.at(0), 3, 'the cursor moved inside the first chunk');
  t.same(q.take(2), bytes(3, 4), 'a take across the border');
  t.equal(q.skip(5), 1, 'skip says how many bytes it dropped: only what was there');
  t.equal(q.offset, 5);
  t.equal(q.length, 0);
  t.same(q.take(1), Buffer.alloc(0), 'an empty queue gives nothing');
  q.push(bytes(9));
  t.equal(q.at(0), 9, 'usable again after running dry');
  t.equal(q.skip(-3), 0, 'a negative skip drops nothing');
  t.equal(q.offset, 5);
  t.end();
});

t.test('clear drops what is queued and counts it in the offset', (t) => {
  const q = queueOf(bytes(1, 2, 3), bytes(4));
  q.skip(1);
  q.clear();
  t.equal(q.length, 0);
  t.equal(q.offset, 4, 'masks after a clear still land on the right bytes');
  q.push(bytes(7, 8));
  t.same(q.peek(2), bytes(7, 8));
  t.end();
});

t.test('peek: a view inside one chunk, a copy across chunks', (t) => {
  const a = bytes(1, 2, 3);
  const b = bytes(4, 5);
  const q = queueOf(a, b);
  const view = q.peek(2, 1);
  const copy = q.peek(3, 1);
  a[1] = 0xff;
  b[0] = 0xee;
  t.same(view, bytes(0xff, 3), 'the view sees its chunk (no copy for a frame in one chunk)');
  t.same(copy, bytes(2, 3, 4), 'the copy keeps the bytes it was made of');
  t.end();
});

t.test('indexOf: relative to the cursor, from and limit respected', (t) => {
  const q = queueOf(bytes(0, 10, 20), bytes(10, 30), bytes(40, 10));
  q.skip(1);
  t.equal(q.indexOf(10), 0, 'positions count from the cursor');
  t.equal(q.indexOf(10, 1), 2, 'from skips the first match, in the next chunk');
  t.equal(q.indexOf(10, 3), 5);
  t.equal(q.indexOf(10, 3, 2), -1, 'a match at from + limit is beyond the limit');
  t.equal(q.indexOf(10, 3, 3), 5, 'and within it one byte further');
  t.equal(q.indexOf(0), -1, 'a consumed byte is not found');
  t.equal(q.indexOf(10, 6), -1, 'from past the end');
  t.end();
});

/** one operation on both the queue and the model; a string names the first disagreement */
function step(q: ByteQueue, model: { bytes: Buffer; offset: number }, rand: () => number): string {
  const n = Math.floor(rand() * 12) - 1;
  const from = Math.floor(rand() * (model.bytes.length + 3));
  const same = (what: string, got: unknown, want: unknown): string =>
    JSON.stringify(got) === JSON.stringify(want)
      ? ''
      : `${what}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`;
  // pushes weigh three times as much as takes and skips so the queue holds several chunks
  switch (Math.max(0, Math.floor(rand() * 9) - 2)) {
    case 0: {
      const len = Math.floor(rand() * 9);
      const c = Buffer.from(Array.from({ length: len }, () => Math.floor(rand() * 4)));
      q.push(c);
      model.bytes = Buffer.concat([model.bytes, c]);
      return '';
    }
    case 1:
      return same(`at(${from})`, q.at(from), from < model.bytes.length ? model.bytes[from] : -1);
    case 2:
      return same(
        `peek(${n}, ${from})`,
        [...q.peek(n, from)],
        [...model.bytes.subarray(from, from + Math.max(0, n))],
      );
    case 3: {
      const want = [...model.bytes.subarray(0, Math.max(0, n))];
      model.bytes = model.bytes.subarray(want.length);
      model.offset += want.length;
      return same(`take(${n})`, [...q.take(n)], want);
    }
    case 4: {
      const want = Math.max(0, Math.min(n, model.bytes.length));
      model.bytes = model.bytes.subarray(want);
      model.offset += want;
      return same(`skip(${n})`, q.skip(n), want);
    }
    case 5: {
      const byte = Math.floor(rand() * 4);
      const limit = rand() < 0.3 ? Infinity : Math.floor(rand() * 6);
      const hit = model.bytes.subarray(0, from + limit).indexOf(byte, from);
      const want = from >= model.bytes.length ? -1 : hit;
      return same(`indexOf(${byte}, ${from}, ${limit})`, q.indexOf(byte, from, limit), want);
    }
    default:
      if (rand() < 0.9) return '';
      q.clear();
      model.offset += model.bytes.length;
      model.bytes = Buffer.alloc(0);
      return '';
  }
}

t.test('random operations agree with a flat buffer, fixed seeds', (t) => {
  const disagreements: string[] = [];
  for (let seed = 1; seed <= 200; seed++) {
    const rand = prng(seed);
    const q = new ByteQueue();
    const model = { bytes: Buffer.alloc(0), offset: 0 };
    for (let i = 0; i < 300 && disagreements.length === 0; i++) {
      const bad =
        step(q, model, rand) ||
        (q.length !== model.bytes.length ? `length ${q.length} vs ${model.bytes.length}` : '') ||
        (q.offset !== model.offset ? `offset ${q.offset} vs ${model.offset}` : '');
      if (bad) disagreements.push(`seed ${seed}, step ${i}: ${bad}`);
    }
  }
  t.same(disagreements, [], '200 seeds x 300 operations');
  t.end();
});
