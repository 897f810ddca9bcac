// The relay in a worker thread under Vitest, imported by the package name as a user would
// (docs/test-api.md, "In a worker thread"). Run by test/api/examples.test.ts.
import { test, expect, beforeAll, afterAll } from 'vitest';
import pg from 'pg';
import { startRelay } from 'looptap';
import { setup, loadOrders, loadOrdersNPlusOne } from './shop.mjs';

let relay;
let db;
beforeAll(async () => {
  relay = await startRelay({ target: process.env.PGPORT, thread: 'worker' });
  db = new pg.Pool({ host: '127.0.0.1', port: relay.port, user: process.env.PGUSER });
  await setup(db);
});
afterAll(async () => {
  await db.end();
  await relay.close();
});

test('in a worker: an answer is an exchange right after the await', async () => {
  relay.reset();
  expect(await loadOrders(db)).toHaveLength(24);
  expect(relay.exchanges('sql~join')).toHaveLength(1);
});

test('in a worker: the N+1 is caught the same way', async () => {
  await expect(relay.expectNoNPlusOne(() => loadOrdersNPlusOne(db))).rejects.toThrow(/N\+1: 8 x/);
});
