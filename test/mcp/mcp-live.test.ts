// `looptap mcp --target PORT`: the relay runs, traffic passes, and the agent's SDK client sees it.
import t from 'tap';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { Redis } from 'ioredis';
import { BIN, assertBuilt } from '../helpers/net.js';
import { haveRedis, startRedisServer } from '../helpers/redis-server.js';

assertBuilt();
const PASSWORD = 'pw_MCPLIVE_CANARY_1';

t.test('a live relay served over MCP', async (t) => {
  if (!haveRedis(t)) return;
  const server = await startRedisServer(t, PASSWORD);
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [BIN, 'mcp', '--target', String(server.port)],
    stderr: 'pipe',
  });
  let stderr = '';
  const announced = new Promise<number>((resolve) => {
    transport.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      const m = /listening on 127\.0\.0\.1:(\d+)/.exec(stderr);
      if (m) resolve(Number(m[1]));
    });
  });
  const client = new Client({ name: 'looptap-test', version: '1' });
  await client.connect(transport);
  t.teardown(() => client.close());
  const port = await announced;
  const redis = new Redis({ host: '127.0.0.1', port, password: PASSWORD, lazyConnect: true });
  await redis.connect();
  await redis.set('cart:9', 'three items');
  t.equal(await redis.get('cart:9'), 'three items');
  redis.disconnect();

  const r = await client.callTool({ name: 'find', arguments: { filter: 'cmd~^GET' } });
  const text = (r.content as Array<{ text: string }>)[0]!.text;
  const body = JSON.parse(text);
  t.equal(body.matched, 1);
  t.match(body.exchanges[0].request, /^GET cart:9/);
  t.match(body.exchanges[0].answer, /three items/);
  const all = await client.callTool({ name: 'find', arguments: { limit: 100 } });
  t.notMatch(JSON.stringify(all), PASSWORD, 'the password never reaches the agent');
});
