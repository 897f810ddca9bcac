// The main-thread side of startRelay({ thread: 'worker' }): starts the relay worker, keeps the
// ConversationLog here (so exchanges() returns the same objects on every call, and filters may be
// parsed Filter objects), and makes every read of the log flush the worker first, synchronously.

import {
  MessageChannel,
  Worker,
  receiveMessageOnPort,
  type MessagePort,
} from 'node:worker_threads';
import { ConversationLog } from './conversation-log.js';
import { workerScript } from './worker-script.js';
import { LooptapError, usageError } from '../util/errors.js';
import {
  SLOTS,
  SLOT_FLUSHED,
  SLOT_STATE,
  STATE_GONE,
  reviveError,
  type FromWorker,
  type RelayKind,
  type ToWorker,
  type WorkerData,
} from './thread-protocol.js';

/** how long a read of the log may wait for the worker before it throws */
export const DEFAULT_FLUSH_TIMEOUT_MS = 10_000;

/** options that hold functions or live objects of this thread */
const LOCAL_ONLY = ['sinks', 'hub', 'interceptors'] as const;

/** Blocks until the worker has answered flush `want`; throws when it is gone or too slow, so a
 * read of the log never hangs the test. */
export function waitFlushed(slots: Int32Array, want: number, timeoutMs: number): void {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const seen = Atomics.load(slots, SLOT_FLUSHED);
    if (seen >= want) return;
    if (Atomics.load(slots, SLOT_STATE) === STATE_GONE) {
      throw new LooptapError('WORKER_GONE', 'the relay worker has exited');
    }
    const left = deadline - performance.now();
    if (left <= 0) {
      throw new LooptapError(
        'WORKER_FLUSH_TIMEOUT',
        `the relay worker did not answer a flush within ${timeoutMs} ms (is it stuck? raise flushTimeoutMs if the machine is that busy)`,
      );
    }
    Atomics.wait(slots, SLOT_FLUSHED, seen, left);
  }
}

/** A ConversationLog whose reads first take in everything the worker has decoded. */
export class ThreadLog extends ConversationLog {
  private depth = 0;

  constructor(
    maxExchanges: number | undefined,
    private readonly sync: () => void,
  ) {
    super(maxExchanges);
  }

  // one flush per outer call: stats() reads exchanges() inside
  private read<T>(f: () => T): T {
    if (this.depth === 0) this.sync();
    this.depth++;
    try {
      return f();
    } finally {
      this.depth--;
    }
  }

  override exchanges(filter?: Parameters<ConversationLog['exchanges']>[0]) {
    return this.read(() => super.exchanges(filter));
  }
  override since(afterId: number) {
    return this.read(() => super.since(afterId));
  }
  override get(id: number) {
    return this.read(() => super.get(id));
  }
  override get lastId(): number {
    return this.read(() => super.lastId);
  }
  override get size(): number {
    return this.read(() => super.size);
  }
  override stats(...a: Parameters<ConversationLog['stats']>) {
    return this.read(() => super.stats(...a));
  }
  override nPlusOne(...a: Parameters<ConversationLog['nPlusOne']>) {
    return this.read(() => super.nPlusOne(...a));
  }
  override connections() {
    return this.read(() => super.connections());
  }
  override reset(): void {
    this.read(() => super.reset());
  }
}

export interface ThreadRelayCore {
  readonly address: string;
  readonly port: number;
  readonly target: string;
  /** connections open now (read after a flush) */
  readonly connections: number;
  readonly log: ThreadLog;
  close(graceMs?: number): Promise<void>;
}

export async function startThreadRelay(
  kind: RelayKind,
  options: Record<string, unknown> & { maxExchanges?: number; flushTimeoutMs?: number },
): Promise<ThreadRelayCore> {
  refuseLocalOnly(options);
  const { maxExchanges, flushTimeoutMs = DEFAULT_FLUSH_TIMEOUT_MS, thread: _t, ...rest } = options;
  const link = new WorkerLink(kind, rest, maxExchanges, flushTimeoutMs);
  const ready = await link.handshake();
  link.watch();
  return {
    address: ready.address,
    port: ready.port,
    target: ready.target,
    get connections() {
      return link.connections();
    },
    log: link.log,
    close: (graceMs?: number) => link.close(graceMs),
  };
}

function refuseLocalOnly(options: Record<string, unknown>): void {
  for (const k of LOCAL_ONLY) {
    if (options[k] !== undefined) {
      throw usageError(
        'WORKER_OPTION',
        `thread: 'worker' cannot take ${k} (they live on this thread); leave thread out to use ${k}`,
      );
    }
  }
}

/** The relay worker and its port, with what this thread has taken in from it: the log, the
 * connections open, and why it is gone once it is. */
class WorkerLink {
  readonly log: ThreadLog;
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly slots: Int32Array;
  private open = 0;
  private gone: Error | undefined;
  private closed = false;
  private seq = 0;
  private closing: Promise<void> | undefined;

  constructor(
    kind: RelayKind,
    options: Record<string, unknown>,
    maxExchanges: number | undefined,
    private readonly flushTimeoutMs: number,
  ) {
    const shared = new SharedArrayBuffer(SLOTS * 4);
    this.slots = new Int32Array(shared);
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    const data: WorkerData = { kind, options, port: port2, shared };
    const script = workerScript();
    this.worker = new Worker(script.url, {
      workerData: data,
      transferList: [port2],
      execArgv: script.execArgv,
    });
    this.log = new ThreadLog(maxExchanges, () => this.flush());
  }

  /** Waits for the worker's first message; a worker that fails or exits first is terminated and
   * its error thrown here. */
  async handshake(): Promise<Extract<FromWorker, { type: 'ready' }>> {
    const { worker, port } = this;
    let early: ((err: Error) => void) | undefined;
    const exitedEarly = (code: number): void =>
      early?.(
        new LooptapError(
          'WORKER_GONE',
          `the relay worker exited (code ${code}) before it listened`,
        ),
      );
    const first = new Promise<FromWorker>((resolve, reject) => {
      early = reject;
      port.once('message', resolve);
      worker.once('error', reject);
      worker.once('exit', exitedEarly);
    });
    const ready = await first.catch(async (err: unknown) => {
      await this.discard();
      throw err;
    });
    worker.off('error', early!);
    worker.off('exit', exitedEarly);
    if (ready.type !== 'ready') {
      await this.discard();
      throw ready.type === 'failed'
        ? reviveError(ready.error)
        : new Error(`relay worker: ${ready.type}`);
    }
    return ready;
  }

  watch(): void {
    const { worker, port } = this;
    // batches the worker sends on its own (every 256 events or 50 ms) arrive here; a flush takes the
    // rest from the same queue, so the order holds
    port.on('message', this.take);
    worker.on('error', (err) => {
      this.gone = new LooptapError('WORKER_GONE', `the relay worker failed: ${err.message}`);
    });
    worker.on('exit', (code) => {
      this.gone ??= new LooptapError('WORKER_GONE', `the relay worker exited (code ${code})`);
    });
    // like a listening socket that is not awaited: the worker alone does not keep the process up
    worker.unref();
    port.unref();
  }

  connections(): number {
    if (!this.closed && !this.gone) this.flush();
    return this.open;
  }

  flush(): void {
    if (this.closed) return this.drain();
    if (this.gone) throw this.gone;
    const want = ++this.seq;
    this.port.postMessage({ type: 'flush', seq: want } satisfies ToWorker);
    waitFlushed(this.slots, want, this.flushTimeoutMs);
    this.drain();
  }

  close(graceMs?: number): Promise<void> {
    this.closing ??= this.shutdown(graceMs);
    return this.closing;
  }

  private readonly take = (m: FromWorker): void => {
    if (m.type !== 'events') return;
    for (const e of m.events) {
      if (e.type === 'open') this.open++;
      else if (e.type === 'close') this.open--;
      this.log.add(e);
    }
  };

  private drain(): void {
    for (let m = receiveMessageOnPort(this.port); m; m = receiveMessageOnPort(this.port)) {
      this.take(m.message as FromWorker);
    }
  }

  private async shutdown(graceMs: number | undefined): Promise<void> {
    if (!this.gone) await this.askToClose(graceMs);
    this.drain();
    this.closed = true;
    await this.discard();
  }

  private async askToClose(graceMs: number | undefined): Promise<void> {
    const { worker, port } = this;
    worker.ref();
    port.ref();
    let bound: NodeJS.Timeout | undefined;
    const done = new Promise<void>((resolve) => {
      port.on('message', (m: FromWorker) => m.type === 'closed' && resolve());
      worker.once('exit', () => resolve());
      // a stuck worker is terminated after the grace period and one flush timeout
      bound = setTimeout(resolve, (graceMs ?? 2000) + this.flushTimeoutMs);
    });
    port.postMessage({ type: 'close', graceMs } satisfies ToWorker);
    await done;
    clearTimeout(bound);
  }

  private async discard(): Promise<void> {
    await this.worker.terminate();
    this.port.close();
  }
}
