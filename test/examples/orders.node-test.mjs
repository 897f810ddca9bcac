// docs/test-api.md, node:test example. Run: PGPORT=5432 PGPASSWORD=... node --test this-file
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { startRelay } from 'looptap';
import { setup, loadOrders, loadOrdersNPlusOne } from './shop.mjs';

const relay = await startRelay({ target: process.env.PGPORT });
const db = new pg.Pool({ host: '127.0.0.1', port: relay.port, user: process.env.PGUSER });
after(async () => {
  await db.end();
  await relay.close();
});
await setup(db);

test('the order page runs one query', async () => {
  const rows = await relay.expectQueries(() => loadOrders(db), { max: 1 });
  assert.equal(rows.length, 24);
});

test('the lazy version is caught as an N+1', async () => {
  await assert.rejects(
    relay.expectNoNPlusOne(() => loadOrdersNPlusOne(db)),
    /N\+1: 8 x select item from lines where order_id = \$1/,
  );
});

test('nothing failed and nothing was slow', async () => {
  await relay.expectNoErrors();
  await relay.expectNoSlowerThan(5_000);
});
