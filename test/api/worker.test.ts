// startRelay({ thread: 'worker' }) beyond the shared assertions (postgres.test.ts and
// mysql-redis.test.ts run those on both threads): the flush promise on answers that span many
// chunks and on clients in another process, errors that reach the caller as in-process, close,
// the flush bounds, and a process that exits without close().
import t from 'tap';
import net from 'node:net';
import http from 'node:http';
import { once } from 'node:events';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startRelay, startHttpProxy, MemorySink, LooptapError } from '../../src/index.js';
import { waitFlushed } from '../../src/api/thread-relay.js';
import { SLOTS, SLOT_STATE, STATE_GONE } from '../../src/api/thread-protocol.js';
import { startPgServer } from '../helpers/pg-server.js';
import { pgRelayed } from '../helpers/pg-relayed.js';
import { assertBuilt, startEcho } from '../helpers/net.js';

const PASSWORD = 'pw_APIWORKER_1';
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

t.test('pg: every answer is an exchange right after the await, large ones too', async (t) => {
  const up = await pgRelayed(t, PASSWORD, 'worker');
  if (!up) return;
  const { relay, client } = up;
  relay.reset();
  let ok = 0;
  for (let i = 1; i <= 200; i++) {
    await client.query('select $1::int as n', [i]);
    if (relay.exchanges().length === i) ok++;
  }
  t.equal(ok, 200, 'all 200 exchanges seen right after their await, no wait');
  // about 4 MB of rows: the answer takes many chunks, the last decides the exchange
  const big = await client.query("select g, repeat('x', 200) from generate_series(1, 20000) g");
  t.equal(big.rowCount, 20000);
  const x = relay.exchanges().at(-1)!;
  t.equal(x.response?.rows, 20000, 'the big answer is complete in the log');
  t.equal(relay.exchanges().at(-1), x, 'the same object on every read');
  t.equal(relay.connections, 1);
  t.equal(relay.connectionSummaries()[0]?.protocol, 'postgres');
});

t.test('a client in another process: its answers are in the log once it says so', async (t) => {
  const server = await startPgServer(t, 'scram-sha-256', PASSWORD);
  if (!server) return;
  const relay = await startRelay({ target: String(server.port), thread: 'worker' });
  t.teardown(() => relay.close(0));
  const script = `
    import pg from 'pg';
    const c = new pg.Client({ host: '127.0.0.1', port: ${relay.port}, user: '${server.user}',
      password: '${PASSWORD}', database: 'postgres' });
    await c.connect();
    for (let i = 0; i < 20; i++) await c.query('select $1::int', [i]);
    process.stdout.write('done\\n');
    process.stdin.once('data', () => c.end());`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  t.teardown(() => void (child.exitCode === null && child.kill()));
  // a child that dies early fails the test instead of leaving it waiting
  const said = await Promise.race([once(child.stdout, 'data'), once(child, 'exit')]);
  t.equal(String(said[0]), 'done\n');
  t.equal(relay.exchanges('sql~"select \\$1::int"').length, 20);
  child.stdin.end('bye');
  await once(child, 'exit');
});

/** what a failed start throws, as a plain object to compare */
async function failure(start: () => Promise<unknown>): Promise<Record<string, unknown>> {
  const err = await start().then(
    () => new Error('started'),
    (e: unknown) => e as Error,
  );
  return {
    isLooptapError: err instanceof LooptapError,
    name: err.name,
    message: err.message,
    code: (err as LooptapError).code,
    exit: (err as LooptapError).exit,
  };
}

t.test('start errors are the LooptapError the caller gets in-process', async (t) => {
  const echo = await startEcho(t);
  const busy = `127.0.0.1:${echo.port}`;
  const cases: Array<[string, { target: string; listen?: string; maxValue?: number }]> = [
    ['address in use', { target: String(echo.port), listen: busy }],
    ['bad target', { target: '127.0.0.1:99999' }],
    ['remote target', { target: '192.0.2.1:5432' }],
    // target: process.env.PGPORT with PGPORT unset (a TypeError out of trim() before)
    ['no target', { target: undefined as unknown as string }],
    ['a NaN maxValue', { target: String(echo.port), maxValue: NaN }],
  ];
  for (const [what, options] of cases) {
    const main = await failure(() => startRelay(options));
    const worker = await failure(() => startRelay({ ...options, thread: 'worker' }));
    t.equal(main.isLooptapError, true, `${what}: a LooptapError in-process`);
    t.same(worker, main, `${what}: the same through the worker`);
  }
  t.match(await failure(() => startRelay({ target: String(echo.port), listen: busy })), {
    code: 'EADDRINUSE',
  });
  t.match(await failure(() => startRelay({ target: undefined as unknown as string })), {
    code: 'BAD_ADDRESS',
    exit: 2,
    message: /^target is missing: give \[HOST:\]PORT/,
  });
  t.match(await failure(() => startHttpProxy({ target: String(echo.port), maxValue: -1 })), {
    code: 'BAD_OPTION',
    message: /^startHttpProxy: maxValue -1 is not a number of 0 or more/,
  });
  // a port number is a port
  const byNumber = await startRelay({ target: echo.port as unknown as string });
  t.equal(byNumber.target, `127.0.0.1:${echo.port}`);
  await byNumber.close(0);
  const http = await failure(() =>
    startHttpProxy({ target: String(echo.port), listen: busy, thread: 'worker' }),
  );
  t.match(http, { isLooptapError: true, code: 'EADDRINUSE' });
  t.match(
    await failure(() =>
      startRelay({
        target: String(echo.port),
        sinks: [new MemorySink()],
        thread: 'worker',
      } as never),
    ),
    { isLooptapError: true, code: 'WORKER_OPTION', exit: 2 },
  );
});

t.test('close() stops the listener and the worker; the log stays readable', async (t) => {
  const echo = await startEcho(t);
  const before = process.getActiveResourcesInfo().filter((r) => r === 'MessagePort').length;
  const relay = await startRelay({ target: String(echo.port), thread: 'worker' });
  const s = net.connect(relay.port, '127.0.0.1');
  s.end('hello');
  s.resume();
  await once(s, 'close');
  await relay.close(0);
  const refused = net.connect(relay.port, '127.0.0.1');
  const [err] = (await once(refused, 'error')) as [NodeJS.ErrnoException];
  t.equal(err.code, 'ECONNREFUSED', 'nothing listens after close');
  t.equal(relay.connectionSummaries().length, 1, 'the log is still there');
  t.equal(relay.connections, 0);
  const after = process.getActiveResourcesInfo().filter((r) => r === 'MessagePort').length;
  t.equal(after, before, 'the port to the worker is freed');
});

t.test('HTTP through the worker: the exchange is there when the response is', async (t) => {
  const origin = http.createServer((req, res) => res.end(`${req.method} ${req.url}`));
  origin.listen(0, '127.0.0.1');
  await once(origin, 'listening');
  t.teardown(() => origin.close());
  const port = (origin.address() as net.AddressInfo).port;
  const proxy = await startHttpProxy({ target: String(port), thread: 'worker' });
  t.teardown(() => proxy.close(0));
  const res = await fetch(`http://127.0.0.1:${proxy.port}/users/7`);
  t.equal(await res.text(), 'GET /users/7');
  const [x] = proxy.exchanges('url~^/users');
  t.equal(x?.response?.status, 200);
  await proxy.expectQueries(() => fetch(`http://127.0.0.1:${proxy.port}/a`).then((r) => r.text()), {
    max: 1,
    min: 1,
  });
});

t.test('a read never blocks forever: a gone worker and a silent one', async (t) => {
  const slots = new Int32Array(new SharedArrayBuffer(SLOTS * 4));
  t.throws(() => waitFlushed(slots, 1, 100), { code: 'WORKER_FLUSH_TIMEOUT' });
  Atomics.store(slots, SLOT_STATE, STATE_GONE);
  t.throws(() => waitFlushed(slots, 1, 60_000), { code: 'WORKER_GONE' });
});

t.test('from the package entry, a process that forgets close() still exits', async (t) => {
  assertBuilt();
  const echo = await startEcho(t);
  const script = `
    import net from 'node:net';
    import { startRelay } from 'looptap';
    const relay = await startRelay({ target: '${echo.port}', thread: 'worker' });
    const s = net.connect(relay.port, '127.0.0.1');
    s.end('ping');
    s.resume();
    s.on('close', () => console.log(relay.exchanges().length, relay.connectionSummaries().length));`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  t.equal(code, 0, out);
  t.equal(out.trim(), '0 1', 'one connection, no exchange (raw), read from dist');
});
