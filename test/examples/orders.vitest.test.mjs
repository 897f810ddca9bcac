// docs/test-api.md, Vitest example. Run: PGPORT=5432 PGPASSWORD=... npx vitest run this-file
import { test, expect, beforeAll, afterAll } from 'vitest';
import pg from 'pg';
import { startRelay } from 'looptap';
import { setup, loadOrders, loadOrdersNPlusOne } from './shop.mjs';

let relay;
let db;
beforeAll(async () => {
  relay = await startRelay({ target: process.env.PGPORT });
  db = new pg.Pool({ host: '127.0.0.1', port: relay.port, user: process.env.PGUSER });
  await setup(db);
});
afterAll(async () => {
  await db.end();
  await relay.close();
});

test('the order page runs one query', async () => {
  const rows = await relay.expectQueries(() => loadOrders(db), { max: 1 });
  expect(rows).toHaveLength(24);
});

test('the lazy version is caught as an N+1', async () => {
  await expect(relay.expectNoNPlusOne(() => loadOrdersNPlusOne(db))).rejects.toThrow(
    /N\+1: 8 x select item from lines where order_id = \$1/,
  );
  const [finding] = relay.nPlusOne();
  expect(finding.count).toBe(8);
});
