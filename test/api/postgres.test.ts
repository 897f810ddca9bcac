// The test-suite API against a real PostgreSQL with pg, the way a suite would use it: the relay
// in-process, the client pointed at relay.port, assertions made right after the client's await.
// Every assertion runs twice: the relay on the test's thread, and in a worker (thread: 'worker').
import t from 'tap';
import { AssertionError } from 'node:assert';
import { pgRelayed } from '../helpers/pg-relayed.js';

const THREADS = ['main', 'worker'] as const;

const PASSWORD = 'pw_APITEST_1';

for (const thread of THREADS)
  t.test(`exchanges, budgets, N+1 and stats with pg (thread ${thread})`, async (t) => {
    const up = await pgRelayed(t, PASSWORD, thread);
    if (!up) return;
    const { relay, client } = up;
    await client.query('create table items (id int primary key, order_id int, name text)');
    await client.query(
      "insert into items select g, g % 10, 'item ' || g from generate_series(1, 50) g",
    );
    relay.reset();

    // every answer the client has is already an exchange: no wait, no sleep
    for (let i = 1; i <= 5; i++) {
      await client.query('select $1::int as n', [i]);
      const seen = relay.exchanges('sql~"select \\$1::int"');
      t.equal(seen.length, i, `exchange ${i} is there right after the await`);
    }
    const last = relay.exchanges().at(-1)!;
    t.same(last.request.params, ['5']);
    t.equal(last.response?.rows, 1);

    const n = await relay.expectQueries(
      async () => {
        await client.query('select 1');
        return (await client.query<{ two: number }>('select 2 as two')).rows[0]!.two;
      },
      { max: 3 },
    );
    t.equal(n, 2, 'expectQueries returns what the block returns');

    const broken = await relay
      .expectQueries(
        async () => {
          await client.query('select 1');
          await client.query('select count(*) from items');
        },
        { max: 1 },
      )
      .catch((e: unknown) => e);
    t.type(broken, AssertionError);
    t.match((broken as Error).message, /expected at most 1 queries, saw 2/);
    t.match((broken as Error).message, /select count\(\*\) from items/);

    // an ORM-style N+1: one query for the orders, one per order for its items
    relay.reset();
    const orm = async (): Promise<void> => {
      const orders = await client.query('select distinct order_id from items order by 1');
      for (const o of orders.rows) {
        await client.query('select * from items where order_id = $1', [o.order_id]);
      }
    };
    const err = await relay.expectNoNPlusOne(orm).catch((e: unknown) => e);
    t.type(err, AssertionError);
    t.match((err as Error).message, /N\+1: 10 x select \* from items where order_id = \$1/);
    const findings = relay.nPlusOne();
    t.equal(findings.length, 1);
    t.equal(findings[0]!.count, 10);

    const rows = relay.stats();
    const loop = rows.find((r) => r.fingerprint === 'select * from items where order_id = $1');
    t.ok(loop, 'the loop has one digest row with $1 for the parameter');
    t.equal(loop!.calls, 10);
    t.equal(loop!.rows, 50);

    relay.reset();
    const failed = await relay
      .expectNoErrors(async () => {
        await client.query('select * from no_such_table').catch(() => undefined);
      })
      .catch((e: unknown) => e);
    t.type(failed, AssertionError);
    t.match((failed as Error).message, /no_such_table.*\[42P01\]/);
    await t.resolves(relay.expectNoSlowerThan(60_000));
  });
