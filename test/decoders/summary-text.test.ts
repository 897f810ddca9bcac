// oneLine skips its replace when the text has no whitespace to change: it must give what the
// replace and trim give, for every kind of whitespace JavaScript's \s knows.
import t from 'tap';
import { oneLine } from '../../src/decoders/summary-text.js';

const slow = (s: string, max = 200): string => {
  const flat = s.replace(/\s+/g, ' ').trim();
  return flat.length > max ? flat.slice(0, max - 1) + '…' : flat;
};

t.test('the same text as collapsing and trimming, on every whitespace', async (t) => {
  const spaces = [' ', '\t', '\n', '\r', '\v', '\f', '\u00a0', '\u2028', '\u3000', '\ufeff'];
  const parts = ['select', 'a', '$1', '', 'é', ...spaces, ...spaces.map((c) => c + c)];
  let seed = 7;
  const rnd = (n: number): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n;
  const wrong: string[] = [];
  for (let i = 0; i < 5000; i++) {
    let s = '';
    for (let k = rnd(8); k >= 0; k--) s += parts[rnd(parts.length)];
    const max = 2 + rnd(12);
    if (oneLine(s, max) !== slow(s, max)) wrong.push(`${JSON.stringify(s)} max ${max}`);
  }
  t.same(wrong.slice(0, 5), [], 'no text differs');
  t.equal(oneLine(' select  1\n'), 'select 1');
  t.equal(oneLine('select 1'), 'select 1');
  t.equal(oneLine('a\u00a0b'), 'a b');
  t.equal(oneLine('abcdef', 4), 'abc…');
});
