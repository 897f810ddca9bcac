// Runs the examples of docs/test-api.md as a user would: node --test and vitest, against a real
// PostgreSQL, importing 'looptap' by its package name; and Vitest with the relay in a worker.
import t from 'tap';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startPgServer } from '../helpers/pg-server.js';
import { assertBuilt } from '../helpers/net.js';

assertBuilt();
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function run(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', (code) => resolve({ code, out }));
  });
}

t.test('the node:test and Vitest examples pass against real PostgreSQL', async (t) => {
  const server = await startPgServer(t, 'scram-sha-256', 'pw_EXAMPLES_1');
  if (!server) return;
  const env = {
    PGPORT: String(server.port),
    PGUSER: server.user,
    PGPASSWORD: 'pw_EXAMPLES_1',
    PGDATABASE: 'postgres',
  };
  const node = await run(process.execPath, ['--test', 'test/examples/orders.node-test.mjs'], env);
  t.equal(node.code, 0, node.out);
  t.match(node.out, /# pass 3/);
  t.match(node.out, /# fail 0/);
  const vitest = await run(
    process.execPath,
    ['node_modules/vitest/vitest.mjs', 'run', 'test/examples/orders.vitest.test.mjs'],
    env,
  );
  t.equal(vitest.code, 0, vitest.out);
  t.match(vitest.out, /2 passed/);
  const worker = await run(
    process.execPath,
    ['node_modules/vitest/vitest.mjs', 'run', 'test/examples/orders-worker.vitest.test.mjs'],
    env,
  );
  t.equal(worker.code, 0, worker.out);
  t.match(worker.out, /2 passed/, 'the same through thread: worker');
});
