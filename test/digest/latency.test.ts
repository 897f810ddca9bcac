// A fingerprint called often moves from a packed to a flat histogram (cheaper records): the
// percentiles must not change when it does, and a digest's budget of flat ones is bounded.
import t from 'tap';
import { FLAT_MAX, Latency } from '../../src/digest/latency.js';

t.test('the same percentiles before and after the move to a flat histogram', async (t) => {
  const budget = { left: 1 };
  const moved = new Latency(budget);
  const packed = new Latency();
  let x = 12345;
  for (let i = 0; i < 5000; i++) {
    x = (x * 1103515245 + 12345) % 2 ** 31; // deterministic spread from 1 us to ~20 s
    const ms = ((x % 1000) / 1000) ** 4 * 20_000 + 0.001;
    moved.record(ms);
    packed.record(ms);
  }
  t.equal(budget.left, 0, 'the budget was used');
  for (const p of [0, 1, 50, 90, 95, 99, 99.9, 100]) t.equal(moved.at(p), packed.at(p), `p${p}`);
  t.equal(moved.count, packed.count);
  t.equal(moved.maxMs, packed.maxMs);
});

t.test('no budget left: the histogram stays packed and still counts', async (t) => {
  const budget = { left: 0 };
  const l = new Latency(budget);
  for (let i = 0; i < 2000; i++) l.record(1 + (i % 7));
  t.equal(budget.left, 0);
  t.equal(l.count, 2000);
  t.equal(l.at(100), 7);
  t.ok(FLAT_MAX > 0 && FLAT_MAX <= 64, 'a few MB at most per digest');
});
