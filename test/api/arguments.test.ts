// Arguments a test suite gets wrong are a TypeError that names the call and what to give, on both
// threads: before, `exchanges(42)` failed with `f.match is not a function`, a missing budget
// with `Cannot read properties of undefined`, and expectNoSlowerThan(NaN) passed every time.

import t from 'tap';
import { startRelay } from '../../src/index.js';
import { startEcho } from '../helpers/net.js';

for (const thread of ['main', 'worker'] as const) {
  t.test(`bad arguments are named (thread ${thread})`, async (t) => {
    const echo = await startEcho(t);
    const relay = await startRelay({ target: String(echo.port), thread });
    t.teardown(() => relay.close(0));
    const bad = (fn: () => unknown, message: RegExp) =>
      t.throws(fn, { name: 'TypeError', message });
    const rejects = (p: Promise<unknown>, message: RegExp) =>
      t.rejects(p, { name: 'TypeError', message });
    bad(
      () => relay.exchanges(42 as never),
      /^filter 42 is neither a string in the filter language/,
    );
    bad(
      () => relay.stats(undefined, 'bogus' as never),
      /^stats: sort "bogus" is not one of total, calls, p95, errors$/,
    );
    bad(
      () => relay.nPlusOne({ threshold: 1 }),
      /^nPlusOne: threshold 1 is not a whole number of 2 or more$/,
    );
    let ran = false;
    const block = () => void (ran = true);
    await rejects(relay.expectQueries(block, undefined as never), /sets neither max nor min/);
    await rejects(
      relay.expectQueries(block, { max: -1 }),
      /^expectQueries: max -1 is not a whole number/,
    );
    await rejects(
      relay.expectNoSlowerThan(NaN, block),
      /^expectNoSlowerThan: ms NaN is not a number of 0 or more$/,
    );
    await rejects(
      relay.expectNoNPlusOne(block, { threshold: 0 }),
      /threshold 0 is not a whole number of 2/,
    );
    t.equal(ran, false, 'the block is not run on a bad argument');
    // what is right still works
    t.same(relay.exchanges(''), []);
    t.same(relay.nPlusOne({ threshold: 2 }), []);
    await relay.expectQueries(block, { max: 0 });
    t.equal(ran, true);
  });
}
