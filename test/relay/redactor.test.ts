// The Redactor (src/relay/redactor.ts) on its own: the masks decoders report (docs/architecture.md,
// "Secrets") blank exactly their bytes in what is recorded, in the chunk they are reported for and
// later ones, whatever the chunking; the forwarded Buffer is never written to; a chunk no mask
// touches is passed through without a copy. The decoders' own canary tests use it through
// test/helpers/mysql-relay-sim.ts and the Observer.

import t from 'tap';
import { MASK_BYTE, Redactor } from '../../src/relay/redactor.js';
import type { Mask } from '../../src/decoders/decoder.js';
import type { From } from '../../src/events.js';
import { prng, randomSplits } from '../helpers/feed.js';

const STAR = String.fromCharCode(MASK_BYTE);

/** records `text` in `pieces`, as the Observer does: each piece at its offset, in order */
function record(r: Redactor, from: From, pieces: string[]): { text: string; masked: number[] } {
  let offset = 0;
  const out: string[] = [];
  const masked: number[] = [];
  for (const p of pieces) {
    const chunk = Buffer.from(p, 'latin1');
    const before = Buffer.from(chunk);
    const got = r.apply(from, offset, chunk);
    if (!chunk.equals(before)) throw new Error('the forwarded chunk was written to');
    out.push(got.bytes.toString('latin1'));
    masked.push(got.masked);
    offset += chunk.length;
  }
  return { text: out.join(''), masked };
}

t.test('no mask, or no mask over this chunk: the same Buffer back, not a copy', (t) => {
  const r = new Redactor();
  const chunk = Buffer.from('hello');
  t.equal(r.apply('client', 0, chunk).bytes, chunk);
  r.add({ from: 'client', start: 100, end: 105 });
  const got = r.apply('client', 5, chunk);
  t.equal(got.bytes, chunk, 'a mask further on leaves this chunk alone');
  t.equal(got.masked, 0);
  t.end();
});

t.test('a mask inside one chunk blanks exactly its bytes, in a copy', (t) => {
  const r = new Redactor();
  r.add({ from: 'client', start: 9, end: 15 });
  const { text, masked } = record(r, 'client', ['PASSWORD hunter2 end']);
  t.equal(text, `PASSWORD ${STAR.repeat(6)}2 end`);
  t.same(masked, [6]);
  t.end();
});

t.test('a mask over several chunks, reported before its bytes arrive', (t) => {
  const r = new Redactor();
  r.add({ from: 'server', start: 3, end: 8 });
  const { text, masked } = record(r, 'server', ['abcd', 'ef', 'ghij']);
  t.equal(text, `abc${STAR.repeat(5)}ij`);
  t.same(masked, [1, 2, 2], 'each chunk counts its own masked bytes');
  t.end();
});

t.test('an open-ended mask runs until a mask with the same start ends it', (t) => {
  const r = new Redactor();
  r.add({ from: 'client', start: 2, end: Infinity });
  const first = record(r, 'client', ['xxsecr']);
  r.add({ from: 'client', start: 2, end: 9 });
  const later = r.apply('client', 6, Buffer.from('et\r\nnext'));
  t.equal(first.text, `xx${STAR.repeat(4)}`);
  t.equal(later.bytes.toString('latin1'), `${STAR.repeat(3)}\nnext`, 'ends where it was told');
  t.equal(later.masked, 3);
  t.end();
});

t.test('directions are separate; empty and inverted masks are ignored', (t) => {
  const r = new Redactor();
  r.add({ from: 'client', start: 0, end: 4 });
  r.add({ from: 'server', start: 2, end: 2 });
  r.add({ from: 'server', start: 3, end: 1 });
  r.add({ from: 'server', start: NaN, end: 5 });
  const server = Buffer.from('server bytes');
  t.equal(r.apply('server', 0, server).bytes, server, 'a client mask never touches server bytes');
  t.equal(record(r, 'client', ['abcdef']).text, `${STAR.repeat(4)}ef`);
  t.end();
});

t.test('a mask for bytes already recorded is not applied to later ones', (t) => {
  const r = new Redactor();
  r.apply('client', 0, Buffer.from('0123456789'));
  r.add({ from: 'client', start: 2, end: 6 });
  const next = Buffer.from('abc');
  const got = r.apply('client', 10, next);
  t.equal(got.bytes, next, 'the late mask lies behind the cursor: nothing to blank');
  t.equal(got.masked, 0);
  t.end();
});

t.test('masks known up front give the same recording under every chunking', (t) => {
  const rand = prng(11);
  const text = Array.from({ length: 300 }, (_, i) => String.fromCharCode(97 + (i % 26))).join('');
  const bad: string[] = [];
  for (let run = 0; run < 300; run++) {
    const masks: Mask[] = Array.from({ length: 1 + Math.floor(rand() * 4) }, () => {
      const start = Math.floor(rand() * 320);
      const end = rand() < 0.1 ? Infinity : start + Math.floor(rand() * 40);
      return { from: 'client', start, end };
    });
    // a later mask with the same start replaces the earlier one (Mask in decoder.ts)
    const byStart = new Map(masks.map((m) => [m.start, m]));
    const want = Buffer.from(text, 'latin1');
    for (const m of byStart.values()) want.fill(MASK_BYTE, m.start, Math.min(m.end, want.length));
    const pieces = randomSplits(
      rand,
      50,
    )(Buffer.from(text, 'latin1')).map((b) => b.toString('latin1'));
    const r = new Redactor();
    for (const m of masks) r.add(m);
    const got = record(r, 'client', pieces).text;
    if (got !== want.toString('latin1')) bad.push(`run ${run}: ${JSON.stringify(masks)}`);
  }
  t.same(bad, [], '300 seeded mask sets and chunkings');
  t.end();
});

t.test('overlapping masks count the bytes they share once', (t) => {
  const r = new Redactor();
  r.add({ from: 'client', start: 2, end: 8 });
  r.add({ from: 'client', start: 5, end: 12 });
  r.add({ from: 'client', start: 14, end: 16 });
  const got = record(r, 'client', ['0123456789', 'abcdefghij']);
  t.equal(got.text, '01' + STAR.repeat(10) + 'cd' + STAR.repeat(2) + 'ghij');
  t.same(got.masked, [8, 4], 'bytes 2-11 and 14-15: 12 bytes, never more than the chunk');
  t.end();
});
