// Where the decoding relay's time goes in a test suite (issue 12). Live: BENCH_LIVE tests of
// bench/test-suite.ts's body through startRelay (the default decoding, real sockets and
// PostgreSQL), with the CPU spent inside Observer.data summed around each call. Fed: one such
// test is run once through a raw relay to record its chunks, then those chunks are fed to a fresh
// Observer per test, through a Hub and the ConversationLog as startRelay wires them, with no
// sockets: µs CPU per test warm, and with an 8 MB array touched before every chunk (what the
// client, the sockets and the server do to the caches between two chunks of a real test).
//
//   npm run build && node --import=@tapjs/typescript/import bench/suite-feed.ts
//   (env: BENCH_N=3000 fed tests per rep, BENCH_LIVE=300 live tests per rep, BENCH_REPS=5)

import pg from 'pg';
import { startRelay } from '../src/relay/tcp-relay.js';
import { startRelay as startObservedRelay } from '../src/index.js';
import { Observer } from '../src/relay/observer.js';
import { Hub, type Sink } from '../src/capture/hub.js';
import { DEFAULT_DECODER_OPTIONS } from '../src/decoders/decoder.js';
import { ConversationLog } from '../src/api/conversation-log.js';
import { fingerprintReady } from '../src/digest/fingerprint.js';
import type { CaptureEvent, From } from '../src/events.js';
import { startPostgres, BENCH_PASSWORD } from './lib/servers.js';
import { median } from './lib/workloads.js';

const N = Number(process.env.BENCH_N ?? 3000);
const REPS = Number(process.env.BENCH_REPS ?? 5);
const LIVE = Number(process.env.BENCH_LIVE ?? 300);
const login = { user: 'postgres', password: BENCH_PASSWORD, database: 'postgres' };

async function oneTest(port: number, i: number): Promise<void> {
  const c = new pg.Client({ host: '127.0.0.1', port, ...login });
  await c.connect();
  await c.query('insert into suite (t, n) values ($1, $2)', [i, i * 2]);
  await c.query('select n from suite where t = $1', [i]);
  for (let k = 0; k < 10; k++)
    await c.query('select $1::int + t as v from suite where t = $2', [k, i]);
  await c.query('select count(*) from suite');
  await c.end();
}

/** CPU µs spent inside Observer.data while `fn` runs */
async function insideData(fn: () => Promise<void>): Promise<number> {
  const proto = Observer.prototype;
  // kept unbound on purpose: it is put back on the prototype and called with each Observer
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const data = proto.data;
  let spent = 0;
  proto.data = function (this: Observer, ...a: Parameters<Observer['data']>) {
    const t0 = process.cpuUsage();
    try {
      return data.apply(this, a);
    } finally {
      const t = process.cpuUsage(t0);
      spent += t.user + t.system;
    }
  };
  try {
    await fn();
  } finally {
    proto.data = data;
  }
  return spent;
}

/** the chunks of one test as the relay saw them, and the live figure per rep */
async function recordAndLive(): Promise<{
  chunks: { from: From; bytes: Buffer }[];
  live: number[];
  deferred: number[];
}> {
  const chunks: { from: From; bytes: Buffer }[] = [];
  const grab: Sink = {
    name: 'grab',
    close: async () => {},
    write(e: CaptureEvent) {
      if (e.type === 'data') chunks.push({ from: e.from, bytes: Buffer.from(e.bytes) });
      return true;
    },
  };
  const live: number[] = [];
  const deferred: number[] = [];
  const server = await startPostgres();
  try {
    const setup = new pg.Client({ host: '127.0.0.1', port: server.port, ...login });
    await setup.connect();
    await setup.query('create table suite (t int, n int)');
    const relay = await startRelay({ target: String(server.port), decode: 'raw', sinks: [grab] });
    await oneTest(relay.port, 1);
    await relay.close(1000);
    const decoding = await startRelay({ target: String(server.port) });
    for (let i = 0; i < 40; i++) await oneTest(decoding.port, i);
    // the test-suite API's relay: decoded when the log is read, here after every test
    const api = await startObservedRelay({ target: String(server.port) });
    for (let i = 0; i < 40; i++) await oneTest(api.port, i);
    for (let rep = 0; rep < REPS; rep++) {
      const us = await insideData(async () => {
        for (let i = 0; i < LIVE; i++) await oneTest(decoding.port, i);
      });
      live.push(us / LIVE);
      const usApi = await insideData(async () => {
        for (let i = 0; i < LIVE; i++) {
          await oneTest(api.port, i);
          api.exchanges();
        }
      });
      deferred.push(usApi / LIVE);
    }
    await decoding.close(1000);
    await api.close(1000);
    await setup.end();
  } finally {
    await server.stop();
  }
  return { chunks, live, deferred };
}

const { chunks, live, deferred } = await recordAndLive();
await fingerprintReady();
const junk = new Float64Array(1 << 20);

/** µs CPU per test; `thrash`: touch 8 MB before every chunk, outside the measured calls */
function run(thrash: boolean): { us: number; exchanges: number } {
  const log = new ConversationLog();
  const hub = new Hub([]);
  hub.on((e) => log.add(e), { frames: false });
  let inside = 0;
  let exchanges = 0;
  for (let i = 0; i < N; i++) {
    const obs = new Observer(
      i + 1,
      'auto',
      { ...DEFAULT_DECODER_OPTIONS },
      (e) => hub.emit(e),
      hub,
    );
    for (const c of chunks) {
      if (thrash) for (let j = 0; j < junk.length; j += 8) junk[j]! += j;
      const t0 = process.cpuUsage();
      obs.data(c.from, c.bytes, performance.timeOrigin + performance.now());
      const t = process.cpuUsage(t0);
      inside += t.user + t.system;
    }
    exchanges += log.exchanges().length;
    log.reset();
  }
  return { us: inside / N, exchanges: exchanges / N };
}

const warm: number[] = [];
const cold: number[] = [];
let perTest = 0;
for (let rep = 0; rep < REPS; rep++) {
  const w = run(false);
  warm.push(w.us);
  cold.push(run(true).us);
  perTest = w.exchanges;
}
console.log(
  `one test: ${chunks.length} chunks, ${perTest} exchanges; ${N} tests a rep, ${REPS} reps`,
);
console.log('| path | µs CPU per test in Observer.data (median) |');
console.log('| --- | ---: |');
console.log(
  `| live: startRelay, sockets, PostgreSQL (${LIVE} tests a rep) | ${median(live).toFixed(0)} |`,
);
console.log(
  `| live: the test API's startRelay, decoded when the log is read after each test | ${median(deferred).toFixed(0)} |`,
);
console.log(`| fed, warm | ${median(warm).toFixed(0)} |`);
console.log(`| fed, caches thrashed between chunks | ${median(cold).toFixed(0)} |`);
