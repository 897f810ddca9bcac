// What the test-suite API costs a test suite: the same suite of PostgreSQL tests run direct,
// through a bare Node pipe on the suite's thread, as stream.pipe() does it and carrying each FIN
// as the relay does (the floor of any faithful same-thread relay: barePipe), through
// startRelay on the suite's thread (which decodes when the log is read), the same relay with a
// second hub listener (which makes it decode every chunk as it passes), a `decode: 'raw'` relay
// (forwarding and data events only) and startRelay({ thread: 'worker' }); interleaved (the order
// rotates each rep), median of BENCH_REPS runs each. A "test" connects, runs a few writes and
// reads (one of them a 10-query loop), asserts on the rows and disconnects; the suite is 40
// tests. The log is read inside the timed window: after every test (BENCH_READ=test, as an
// assertion helper in each test does) or once at the suite's end (BENCH_READ=suite).
//
//   npm run build && node --import=@tapjs/typescript/import bench/test-suite.ts
//   (env: BENCH_REPS=5 BENCH_TESTS=40 BENCH_READ=test|suite; prefix `taskset -c 0` for one
//   core, PostgreSQL included)

import net from 'node:net';
import pg from 'pg';
import { startRelay } from '../src/index.js';
import { startPostgres, BENCH_PASSWORD } from './lib/servers.js';
import { median } from './lib/workloads.js';

const REPS = Number(process.env.BENCH_REPS ?? 5);
const TESTS = Number(process.env.BENCH_TESTS ?? 40);
/** 'test': each test reads the log when it ends, as an assertion helper does; 'suite': once */
const READ = process.env.BENCH_READ ?? 'test';

async function oneTest(port: number, i: number): Promise<void> {
  const c = new pg.Client({
    host: '127.0.0.1',
    port,
    user: 'postgres',
    password: BENCH_PASSWORD,
    database: 'postgres',
  });
  await c.connect();
  try {
    await c.query('insert into suite (t, n) values ($1, $2)', [i, i * 2]);
    const r = await c.query('select n from suite where t = $1', [i]);
    if (r.rows[0]?.n !== i * 2) throw new Error('wrong row');
    for (let k = 0; k < 10; k++)
      await c.query('select $1::int + t as v from suite where t = $2', [k, i]);
    await c.query('select count(*) from suite');
  } finally {
    await c.end();
  }
}

interface Path {
  name: string;
  port: number;
  relay?: { reset(): void; exchanges(): unknown[] };
  wall: number[];
  cpu: number[];
  exchanges?: number;
}

async function suite(p: Path): Promise<{ wallMs: number; cpuMs: number }> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < TESTS; i++) {
    await oneTest(p.port, i);
    if (READ === 'test' && p.relay && p.relay.exchanges().length < 13 * (i + 1)) {
      throw new Error(`${p.name}: test ${i} left fewer exchanges than it ran`);
    }
  }
  // the suite's last assertion reads the log: what decoding is left to do is in the figure
  if (p.relay) p.exchanges = p.relay.exchanges().length;
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { wallMs, cpuMs: (cpu.user + cpu.system) / 1000 };
}

/** a bare Node pipe in the same process as the suite. `halfOpen: false` (stream.pipe's
 * default) answers a client's FIN with its own at once, so the client's `end()` resolves before
 * the server has closed: faster than direct, and not what a relay that carries each FIN as a FIN
 * may do. `halfOpen: true` carries each FIN after the data before it, as looptap's relay does
 * (without its reset probe): the floor for a faithful in-process relay. */
async function barePipe(
  target: number,
  halfOpen: boolean,
): Promise<{ port: number; close(): void }> {
  const s = net.createServer({ allowHalfOpen: halfOpen }, (c) => {
    const up = net.connect({ port: target, host: '127.0.0.1', allowHalfOpen: halfOpen });
    c.pipe(up).pipe(c);
    c.on('error', () => up.destroy());
    up.on('error', () => c.destroy());
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return { port: (s.address() as net.AddressInfo).port, close: () => s.close() };
}

const server = await startPostgres();
try {
  const setup = new pg.Client({
    host: '127.0.0.1',
    port: server.port,
    user: 'postgres',
    password: BENCH_PASSWORD,
    database: 'postgres',
  });
  await setup.connect();
  await setup.query('create table suite (t int, n int)');
  const main = await startRelay({ target: String(server.port) });
  // a listener besides the log makes the relay decode every chunk as it passes (the default
  // relay decodes when the log is read)
  const live = await startRelay({ target: String(server.port) });
  live.hub.on(() => undefined, { frames: false });
  const worker = await startRelay({ target: String(server.port), thread: 'worker' });
  const raw = await startRelay({ target: String(server.port), decode: 'raw' });
  const pipe = await barePipe(server.port, false);
  const halfPipe = await barePipe(server.port, true);
  const paths: Path[] = [
    { name: 'direct', port: server.port, wall: [], cpu: [] },
    { name: 'bare Node pipe, same thread', port: pipe.port, wall: [], cpu: [] },
    { name: 'the same, carrying half-close', port: halfPipe.port, wall: [], cpu: [] },
    { name: "startRelay, thread 'main'", port: main.port, relay: main, wall: [], cpu: [] },
    { name: 'raw', port: raw.port, wall: [], cpu: [] },
    { name: 'the same, decoding live', port: live.port, relay: live, wall: [], cpu: [] },
    { name: "startRelay, thread 'worker'", port: worker.port, relay: worker, wall: [], cpu: [] },
  ];
  for (let rep = 0; rep < REPS; rep++) {
    // rotate the order each rep, so no path always runs first or right after another
    for (let k = 0; k < paths.length; k++) {
      const p = paths[(rep + k) % paths.length]!;
      await setup.query('truncate suite');
      p.relay?.reset();
      if (process.env.BENCH_TRACE) console.error(`rep ${rep} ${p.name}`);
      const r = await suite(p);
      p.wall.push(r.wallMs);
      p.cpu.push(r.cpuMs);
    }
  }
  await main.close(0);
  await live.close(0);
  await raw.close(0);
  await worker.close(0);
  pipe.close();
  halfPipe.close();
  await setup.end();
  const direct = median(paths[0]!.wall);
  const floor = median(paths[2]!.wall);
  console.log(
    `tests per suite: ${TESTS}, runs: ${REPS} each, interleaved, the log read after each ${READ}; CPU is the whole process`,
  );
  // a busy machine drifts over a run: the ratio within each rep (the paths ran back to back)
  // is steadier than the ratio of medians, so both are printed
  const perRep = (p: Path): string =>
    median(p.wall.map((w, i) => w / paths[0]!.wall[i]!)).toFixed(3);
  console.log(
    'path | wall ms | x direct | x half-close pipe | x direct, per rep | CPU ms | CPU ms per test | exchanges',
  );
  for (const p of paths) {
    const w = median(p.wall);
    const c = median(p.cpu);
    console.log(
      `${p.name} | ${w.toFixed(0)} | ${(w / direct).toFixed(3)} | ${(w / floor).toFixed(3)} | ${perRep(p)} | ${c.toFixed(0)} | ${(c / TESTS).toFixed(1)} | ${p.exchanges ?? ''}`,
    );
  }
} finally {
  await server.stop();
}
