// The TCP relay: one loopback listener, one Connection per accepted client, every event through
// one Hub. This is the library entry point that the CLI, the demo and test suites use:
//
//   const relay = await startRelay({ target: '5432', sinks: [new MemorySink()] });
//   ... connect to relay.port ...
//   await relay.close();

import net from 'node:net';
import type { CaptureEvent, DecodeSetting } from '../events.js';
import { LEVEL } from '../events.js';
import { Hub, routeEmitter, type Sink } from '../capture/hub.js';
import { DEFAULT_DECODER_OPTIONS, type DecoderOptions } from '../decoders/decoder.js';
import { Connection } from './connection.js';
import { Observer, type Observing } from './observer.js';
import { ObservationQueue } from './deferred-observation.js';
import { chain, type Interceptor } from './interceptor.js';
import { stripTlsInterceptors } from './strip-tls.js';
import { formatHostPort, parseHostPort, resolveChecked, type HostPort } from '../util/address.js';
import { listenOn } from '../util/listen.js';
import { ErrorThrottle } from './error-throttle.js';

export interface RelayOptions {
  /** [HOST:]PORT; default 127.0.0.1:0 (the OS picks a port) */
  listen?: string;
  /** what the listen address was set with, named when it is in use (default `--listen`) */
  listenFlag?: string;
  /** [HOST:]PORT; a bare port means 127.0.0.1 */
  target: string;
  decode?: DecodeSetting;
  /** hide secrets in events (default true) */
  redact?: boolean;
  /** the most bytes of one decoded value kept in a message (default 64 KiB) */
  maxValue?: number;
  /** header and field names added to the secret lists (--redact-header, --redact-field) */
  redactHeaders?: readonly string[];
  redactFields?: readonly string[];
  /** the most result rows an exchange keeps the values of (default 20) */
  maxRows?: number;
  stripTls?: boolean;
  allowRemote?: boolean;
  connectTimeoutMs?: number;
  /** where events go; ignored when `hub` is given */
  sinks?: Sink[];
  hub?: Hub;
  /** stamped on every event when several routes share a process */
  route?: string;
  /** extra interceptors, run after --strip-tls (fault injection plugs in here) */
  interceptors?: Array<() => Interceptor>;
  /** observe (decode, emit) only when `relay.settle()` is called, while the hub has at most this
   * many consumers; forwarding is never deferred (deferred-observation.ts). The test-suite API
   * sets 1: its conversation log, which settles before every read. */
  deferWhileConsumers?: number;
}

export interface Relay {
  /** "127.0.0.1:PORT" */
  readonly address: string;
  readonly port: number;
  readonly target: string;
  readonly hub: Hub;
  /** connections open now */
  readonly connections: number;
  /** emit every event observation still holds (deferWhileConsumers); a no-op otherwise */
  settle(): void;
  /** stop accepting, give open connections `graceMs` to finish, then close them; flush sinks */
  close(graceMs?: number): Promise<void>;
}

export async function startRelay(options: RelayOptions): Promise<Relay> {
  const allowRemote = options.allowRemote ?? false;
  const listen = await resolveChecked(
    parseHostPort(options.listen ?? '127.0.0.1:0', 'listen address'),
    'listen',
    allowRemote,
  );
  const target = await resolveChecked(
    parseHostPort(options.target, 'target'),
    'target',
    allowRemote,
  );
  const hub = options.hub ?? new Hub(options.sinks ?? []);
  // out-of-descriptors errors repeat for every connection: one line, then a count
  const throttle = new ErrorThrottle(routeEmitter(hub, options.route));
  const queue = deferring(options)
    ? new ObservationQueue(
        (e) => throttle.emit(e),
        () => hub.consumers > (options.deferWhileConsumers ?? 0),
      )
    : undefined;
  const st: Accepting = {
    options,
    target,
    targetText: formatHostPort(target),
    decode: options.decode ?? 'auto',
    decoderOptions: decoderOptionsOf(options),
    hub,
    emit: queue ? (e) => queue.emit(e) : (e) => throttle.emit(e),
    emitObserved: (e) => throttle.emit(e),
    queue,
    connections: new Set(),
    listenText: '',
    nextId: 0,
  };

  const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true });
  server.on('connection', (client) => accept(st, client));
  const offPause = hub.onPause((paused) => {
    for (const c of st.connections) c.setHubPaused(paused);
  });

  try {
    await listenOn(server, listen.host, listen.port, options.listenFlag);
  } catch (err) {
    offPause();
    throw err;
  }
  const addr = server.address() as net.AddressInfo;
  st.listenText = formatHostPort({ host: addr.address, port: addr.port });
  announce(st, server);

  const close = closer(server, st.connections, async () => {
    queue?.flush();
    throttle.close();
    offPause();
    if (!options.hub) await hub.close();
  });
  return {
    address: st.listenText,
    port: addr.port,
    target: st.targetText,
    hub,
    get connections() {
      return st.connections.size;
    },
    settle: () => queue?.flush(),
    close,
  };
}

/** what each accepted client's Connection is built from */
interface Accepting {
  readonly options: RelayOptions;
  readonly target: HostPort;
  readonly targetText: string;
  readonly decode: DecodeSetting;
  readonly decoderOptions: DecoderOptions;
  readonly hub: Hub;
  readonly emit: (e: CaptureEvent) => void;
  /** where observers emit: they run live or inside the queue's flush, in order either way */
  readonly emitObserved: (e: CaptureEvent) => void;
  readonly queue: ObservationQueue | undefined;
  readonly connections: Set<Connection>;
  listenText: string;
  nextId: number;
}

/** deferring needs a relay whose observers nothing else drives: an interceptor (faults,
 * --strip-tls) answers and records bytes on its own timeline */
function deferring(options: RelayOptions): boolean {
  if (options.deferWhileConsumers === undefined) return false;
  return !options.stripTls && (options.interceptors ?? []).length === 0;
}

function decoderOptionsOf(options: RelayOptions): DecoderOptions {
  return {
    redact: options.redact ?? DEFAULT_DECODER_OPTIONS.redact,
    maxValue: options.maxValue ?? DEFAULT_DECODER_OPTIONS.maxValue,
    maxRows: options.maxRows ?? DEFAULT_DECODER_OPTIONS.maxRows,
    redactHeaders: options.redactHeaders,
    redactFields: options.redactFields,
  };
}

function accept(st: Accepting, client: net.Socket): void {
  const id = ++st.nextId;
  const interceptors = [
    ...(st.options.stripTls ? stripTlsInterceptors() : []),
    ...(st.options.interceptors ?? []).map((f) => f()),
  ];
  const conn = new Connection({
    id,
    client,
    target: st.target,
    targetText: st.targetText,
    listenText: st.listenText,
    connectTimeoutMs: st.options.connectTimeoutMs ?? 5000,
    observer: observing(
      st,
      new Observer(id, st.decode, st.decoderOptions, st.emitObserved, st.hub),
    ),
    interceptor: chain(interceptors),
    emit: st.emit,
    onClosed: (c) => st.connections.delete(c),
    hubPaused: () => st.hub.paused,
  });
  st.connections.add(conn);
}

function observing(st: Accepting, o: Observer): Observing {
  return st.queue ? st.queue.observer(o) : o;
}

function announce(st: Accepting, server: net.Server): void {
  // accept errors after start (EMFILE and the like) must not crash the process
  server.on('error', (err) => {
    st.emit({
      type: 'error',
      time: Date.now(),
      level: LEVEL.error,
      msg: `listener error: ${err.message}`,
      code: (err as NodeJS.ErrnoException).code ?? 'LISTEN_ERROR',
      message: err.message,
    });
  });
  st.emit({
    type: 'listening',
    time: Date.now(),
    level: LEVEL.info,
    msg: `listening on ${st.listenText} -> ${st.targetText} (tcp, decode ${st.decode})`,
    listen: st.listenText,
    target: st.targetText,
    mode: 'tcp',
    decode: st.decode,
  });
}

/** close() once, however often it is called: later calls get the first one's promise */
function closer(
  server: net.Server,
  connections: Set<Connection>,
  after: () => Promise<void>,
): (graceMs?: number) => Promise<void> {
  let closing: Promise<void> | undefined;
  return (graceMs = 2000) => {
    closing ??= (async () => {
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      if (connections.size > 0) {
        const deadline = Date.now() + graceMs;
        while (connections.size > 0 && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 20));
        }
        for (const c of connections) c.forceClose();
        while (connections.size > 0) await new Promise((r) => setTimeout(r, 5));
      }
      await stopped;
      await after();
    })();
    return closing;
  };
}
