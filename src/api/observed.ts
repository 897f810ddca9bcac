// The library's startRelay / startHttpProxy: the relay or proxy of src/relay and src/http, plus a
// ConversationLog on its hub and the assertion helpers bound to it. The CLI uses the plain ones;
// a program gets these from the package entry (`import { startRelay } from 'looptap'`).

import { startRelay as startTcpRelay, type Relay, type RelayOptions } from '../relay/tcp-relay.js';
import {
  startHttpProxy as startPlainHttpProxy,
  type HttpProxy,
  type HttpProxyOptions,
} from '../http/http-proxy-server.js';
import type { ExchangeEvent } from '../events.js';
import type { NPlusOneFinding, NPlusOneOptions, StatsRow, StatsSort } from '../digest/index.js';
import { ConversationLog, type ConnectionSummary, type FilterInput } from './conversation-log.js';
import {
  expectNoErrors,
  expectNoNPlusOne,
  expectNoSlowerThan,
  expectQueries,
  type NPlusOneExpectation,
  type QueryBudget,
} from './expect.js';
import { fingerprintReady } from '../digest/fingerprint.js';
import { usageError } from '../util/errors.js';
import { startThreadRelay, type ThreadRelayCore } from './thread-relay.js';

export interface Conversations {
  /** the exchanges seen so far (the same objects the capture holds), oldest first */
  exchanges: (filter?: FilterInput) => ExchangeEvent[];
  /** digest rows, the same objects as `looptap stats --json` */
  stats: (filter?: FilterInput, sort?: StatsSort) => StatsRow[];
  nPlusOne: (options?: NPlusOneOptions & { filter?: FilterInput }) => NPlusOneFinding[];
  /** one summary per connection (`connections` is the relay's count of open ones) */
  connectionSummaries: () => ConnectionSummary[];
  /** forget everything seen so far (between tests) */
  reset: () => void;
  /** runs fn; throws an AssertionError listing the exchanges when the budget is broken */
  expectQueries: <T>(fn: () => Promise<T> | T, budget: QueryBudget) => Promise<T>;
  expectNoNPlusOne: <T>(
    fn?: () => Promise<T> | T,
    options?: NPlusOneExpectation,
  ) => Promise<T | undefined>;
  expectNoErrors: <T>(
    fn?: () => Promise<T> | T,
    options?: { filter?: FilterInput },
  ) => Promise<T | undefined>;
  expectNoSlowerThan: <T>(
    ms: number,
    fn?: () => Promise<T> | T,
    options?: { filter?: FilterInput },
  ) => Promise<T | undefined>;
  /** the log behind these methods */
  readonly log: ConversationLog;
}

export type ObservedRelay = Relay & Conversations;
export type ObservedHttpProxy = HttpProxy & Conversations;
/** a relay or HTTP proxy in a worker thread: the same methods, no `hub` (its events stay there) */
export type WorkerRelay = Omit<ThreadRelayCore, 'log'> & Conversations;

export interface ObserveOptions {
  /** the most exchanges kept in memory (oldest dropped first; default 100,000) */
  maxExchanges?: number;
  /** 'worker': sockets, decoders and fingerprints run in a worker thread, off the test's event
   * loop (docs/test-api.md, "In a worker thread"); default 'main' */
  thread?: 'main' | 'worker';
  /** thread 'worker': how long a read may wait for the worker before it throws (default 10 s) */
  flushTimeoutMs?: number;
}

type OnWorker = { thread: 'worker' };
type OnMain = { thread?: 'main' };

function conversations(log: ConversationLog): Conversations {
  return {
    log,
    exchanges: (f) => log.exchanges(f),
    stats: (f, sort) => log.stats(f, sort),
    nPlusOne: (o) => log.nPlusOne(o),
    connectionSummaries: () => log.connections(),
    reset: () => log.reset(),
    expectQueries: (fn, budget) => expectQueries(log, fn, budget),
    expectNoNPlusOne: (fn, o) => expectNoNPlusOne(log, fn, o),
    expectNoErrors: (fn, o) => expectNoErrors(log, fn, o),
    expectNoSlowerThan: (ms, fn, o) => expectNoSlowerThan(log, ms, fn, o),
  };
}

function attach<
  T extends { hub: Relay['hub']; close(graceMs?: number): Promise<void>; settle?: () => void },
>(inner: T, options: ObserveOptions): T & Conversations {
  const log = new ConversationLog(options.maxExchanges);
  if (inner.settle) log.settleWith(inner.settle);
  // the log keeps exchanges and connections: no frames need be built for it
  const off = inner.hub.on((e) => log.add(e), { frames: false });
  const conv = conversations(log);
  // keep the getters (port, connections) of the inner object working: delegate, do not copy
  return new Proxy(inner, {
    get(target, key, receiver) {
      if (key === 'close') {
        return async (graceMs?: number) => {
          await target.close(graceMs);
          off();
        };
      }
      if (key in conv) return conv[key as keyof Conversations];
      return Reflect.get(target, key, receiver);
    },
  }) as T & Conversations;
}

function inWorker(core: ThreadRelayCore): WorkerRelay {
  const conv = conversations(core.log);
  return new Proxy(core, {
    get(target, key, receiver) {
      if (key in conv) return conv[key as keyof Conversations];
      return Reflect.get(target, key, receiver) as unknown;
    },
  }) as unknown as WorkerRelay;
}

/** Starts a TCP relay in-process with a conversation log: point the code under test at
 * `relay.port`, then ask `relay.exchanges()`, `relay.stats()`, `relay.nPlusOne()`. */
export async function startRelay(
  options: Omit<RelayOptions, 'sinks' | 'hub' | 'interceptors'> & ObserveOptions & OnWorker,
): Promise<WorkerRelay>;
export async function startRelay(
  options: RelayOptions & ObserveOptions & OnMain,
): Promise<ObservedRelay>;
/** either thread, chosen at run time: the methods both have */
export async function startRelay(
  options: Omit<RelayOptions, 'sinks' | 'hub' | 'interceptors'> & ObserveOptions,
): Promise<WorkerRelay>;
export async function startRelay(
  options: RelayOptions & ObserveOptions,
): Promise<ObservedRelay | WorkerRelay> {
  checkCounts('startRelay', options);
  if (options.thread === 'worker') return inWorker(await startThreadRelay('tcp', { ...options }));
  // fingerprints from the real PostgreSQL parser from the first query on
  await fingerprintReady();
  // when the log is the hub's one consumer, the relay decodes when the log is read (settle), in
  // a batch; sinks, a hub, faults or a listener added later see every event live
  const alone = !options.hub && (options.sinks ?? []).length === 0;
  return attach(
    await startTcpRelay(alone ? { deferWhileConsumers: 1, ...options } : options),
    options,
  );
}

export async function startHttpProxy(
  options: Omit<HttpProxyOptions, 'sinks' | 'hub'> & ObserveOptions & OnWorker,
): Promise<WorkerRelay>;
export async function startHttpProxy(
  options: HttpProxyOptions & ObserveOptions & OnMain,
): Promise<ObservedHttpProxy>;
export async function startHttpProxy(
  options: Omit<HttpProxyOptions, 'sinks' | 'hub'> & ObserveOptions,
): Promise<WorkerRelay>;
export async function startHttpProxy(
  options: HttpProxyOptions & ObserveOptions,
): Promise<ObservedHttpProxy | WorkerRelay> {
  checkCounts('startHttpProxy', options);
  if (options.thread === 'worker') return inWorker(await startThreadRelay('http', { ...options }));
  await fingerprintReady();
  return attach(await startPlainHttpProxy(options), options);
}

const COUNTS = ['maxValue', 'maxRows', 'maxExchanges', 'connectTimeoutMs'] as const;

/** the numbers a program passes: a NaN maxValue (Number(process.env.UNSET)) once made the
 * PostgreSQL decoder lose track of a login */
function checkCounts(fn: string, options: Partial<Record<(typeof COUNTS)[number], unknown>>): void {
  for (const k of COUNTS) {
    const v = options[k];
    if (v === undefined || (typeof v === 'number' && Number.isFinite(v) && v >= 0)) continue;
    throw usageError(
      'BAD_OPTION',
      `${fn}: ${k} ${typeof v === 'number' ? v : JSON.stringify(v)} is not a number of 0 or more: leave it out for the default or give one`,
    );
  }
}
