// The MCP server on a capture, driven by the official SDK client over stdio, as an agent would.
import t, { type Test } from 'tap';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { BIN, assertBuilt } from '../helpers/net.js';
import { exchange, opens, writeCapture } from '../helpers/capture-files.js';
import type { CaptureEvent } from '../../src/events.js';

assertBuilt();

async function connect(t: Test, args: string[]): Promise<Client> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [BIN, 'mcp', ...args],
    stderr: 'pipe',
  });
  const client = new Client({ name: 'looptap-test', version: '1' });
  await client.connect(transport);
  t.teardown(() => client.close());
  return client;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tool answers are JSON read in assertions
type Json = any;

function json(r: Awaited<ReturnType<Client['callTool']>>): Json {
  const c = (r.content as Array<{ type: string; text: string }>)[0]!;
  return JSON.parse(c.text);
}

function session(): CaptureEvent[] {
  const events: CaptureEvent[] = [...opens(2)];
  // an ORM-style loop on conn 1, one failing query on conn 2
  events.push(
    exchange({
      conn: 1,
      text: 'select * from orders where user_id = 7',
      sql: 'select * from orders where user_id = 7',
      fingerprint: 'select * from orders where user_id = $1',
      rows: 1,
    }),
  );
  for (let i = 1; i <= 8; i++) {
    events.push(
      exchange({
        conn: 1,
        text: `select * from items where order_id = ${i}`,
        fingerprint: 'select * from items where order_id = $1',
        rows: 2,
        latencyMs: i,
      }),
    );
  }
  events.push(
    exchange({
      conn: 2,
      text: 'update accounts set x = 1',
      fingerprint: 'update accounts set x = $1',
      error: '40001',
      answer: 'ERROR 40001 could not serialize access',
    }),
  );
  events.push({
    type: 'close',
    time: 1_700_000_000_100,
    level: 30,
    msg: 'close',
    conn: 1,
    reason: 'client_fin',
    bytes: { client: 900, server: 4000 },
    ms: 100,
  });
  return events;
}

t.test('tools over a capture: summaries first, small answers', async (t) => {
  const file = writeCapture(t, session());
  const client = await connect(t, [file]);
  const { tools } = await client.listTools();
  t.same(tools.map((x) => x.name).sort(), [
    'connections',
    'find',
    'get_exchange',
    'n_plus_one',
    'stats',
  ]);

  const conns = json(await client.callTool({ name: 'connections', arguments: {} }));
  t.equal(conns.total, 2);
  t.equal(conns.exchanges, 10);
  const c1 = conns.connections.find((c: Json) => c.conn === 1);
  t.equal(c1.exchanges, 9);
  t.same(c1.bytes, { client: 900, server: 4000 });
  t.equal(c1.reason, 'client_fin');

  const stats = json(await client.callTool({ name: 'stats', arguments: { sort: 'calls' } }));
  t.equal(stats.rows[0].fingerprint, 'select * from items where order_id = $1');
  t.equal(stats.rows[0].calls, 8);

  const failing = json(
    await client.callTool({ name: 'find', arguments: { filter: 'error:40001' } }),
  );
  t.equal(failing.matched, 1);
  t.equal(failing.exchanges[0].error, '40001');
  t.match(failing.exchanges[0].request, /^update accounts/);

  const page1 = json(
    await client.callTool({ name: 'find', arguments: { filter: 'conn:1', limit: 5 } }),
  );
  t.equal(page1.matched, 9);
  t.equal(page1.exchanges.length, 5);
  t.ok(page1.next, 'a cursor for the next page');
  const page2 = json(
    await client.callTool({ name: 'find', arguments: { filter: 'conn:1', after: page1.next } }),
  );
  t.equal(page2.exchanges.length, 4);
  t.ok(page2.exchanges.every((x: Json) => x.id > page1.next));

  const one = json(
    await client.callTool({ name: 'get_exchange', arguments: { id: failing.exchanges[0].id } }),
  );
  t.equal(one.response.error.code, '40001');
  const missing = await client.callTool({ name: 'get_exchange', arguments: { id: 987654321 } });
  t.equal(missing.isError, true);

  const n1 = json(await client.callTool({ name: 'n_plus_one', arguments: {} }));
  t.equal(n1.findings.length, 1);
  t.equal(n1.findings[0].fingerprint, 'select * from items where order_id = $1');
  t.equal(n1.findings[0].count, 8);
  t.equal(n1.findings[0].conn, 1);

  const bad = await client.callTool({ name: 'find', arguments: { filter: 'latency>' } });
  t.equal(bad.isError, true);
  t.match((bad.content as Json)[0].text, /column \d+/);
});

t.test('a long capture answers in pages, never whole', async (t) => {
  const events: CaptureEvent[] = [...opens(1)];
  for (let i = 0; i < 2000; i++)
    events.push(exchange({ conn: 1, text: `select ${'x'.repeat(500)} ${i}` }));
  const file = writeCapture(t, events);
  const client = await connect(t, [file]);
  const r = await client.callTool({ name: 'find', arguments: {} });
  const text = (r.content as Json)[0].text as string;
  t.ok(text.length < 30_000, `default find answer is ${text.length} characters`);
  const body = JSON.parse(text);
  t.equal(body.matched, 2000);
  t.equal(body.exchanges.length, 20);
  t.ok(body.exchanges[0].request.length <= 200);
});

t.test('a missing capture is one clear line and exit 2', async (t) => {
  const { spawnSync } = await import('node:child_process');
  const r = spawnSync(process.execPath, [BIN, 'mcp', '/nonexistent/capture.jsonl'], {
    encoding: 'utf8',
    input: '',
  });
  t.equal(r.status, 2);
  t.match(r.stderr, /^looptap: cannot read capture \/nonexistent\/capture\.jsonl: no such file/);
  t.equal(r.stderr.trim().split('\n').length, 1);
});
