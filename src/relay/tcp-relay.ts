// The TCP relay: one loopback listener, one Connection per accepted client, every event through
// one Hub. This is the library entry point that the CLI, the demo and test suites use:
//
//   const relay = await startRelay({ target: '5432', sinks: [new MemorySink()] });
//   ... connect to relay.port ...
//   await relay.close();

import net from 'node:net';
import type { DecodeSetting } from '../events.js';
import { LEVEL } from '../events.js';
import { Hub, routeEmitter, type Sink } from '../capture/hub.js';
import { DEFAULT_DECODER_OPTIONS } from '../decoders/decoder.js';
import { Connection } from './connection.js';
import { Observer } from './observer.js';
import { chain, type Interceptor } from './interceptor.js';
import { stripTlsInterceptors } from './strip-tls.js';
import { formatHostPort, parseHostPort, resolveChecked } from '../util/address.js';
import { listenOn } from '../util/listen.js';

export interface RelayOptions {
  /** [HOST:]PORT; default 127.0.0.1:0 (the OS picks a port) */
  listen?: string;
  /** [HOST:]PORT; a bare port means 127.0.0.1 */
  target: string;
  decode?: DecodeSetting;
  /** hide secrets in events (default true) */
  redact?: boolean;
  /** the most bytes of one decoded value kept in a message (default 64 KiB) */
  maxValue?: number;
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
}

export interface Relay {
  /** "127.0.0.1:PORT" */
  readonly address: string;
  readonly port: number;
  readonly target: string;
  readonly hub: Hub;
  /** connections open now */
  readonly connections: number;
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
  const decode = options.decode ?? 'auto';
  const decoderOptions = {
    redact: options.redact ?? DEFAULT_DECODER_OPTIONS.redact,
    maxValue: options.maxValue ?? DEFAULT_DECODER_OPTIONS.maxValue,
  };
  const hub = options.hub ?? new Hub(options.sinks ?? []);
  const emit = routeEmitter(hub, options.route);
  const targetText = formatHostPort(target);
  const connections = new Set<Connection>();
  let nextId = 0;

  const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true });
  let listenText = '';
  server.on('connection', (client) => {
    const id = ++nextId;
    const interceptors = [
      ...(options.stripTls ? stripTlsInterceptors() : []),
      ...(options.interceptors ?? []).map((f) => f()),
    ];
    const conn = new Connection({
      id,
      client,
      target,
      targetText,
      listenText,
      connectTimeoutMs: options.connectTimeoutMs ?? 5000,
      observer: new Observer(id, decode, decoderOptions, emit),
      interceptor: chain(interceptors),
      emit,
      onClosed: (c) => connections.delete(c),
      hubPaused: () => hub.paused,
    });
    connections.add(conn);
  });
  const offPause = hub.onPause((paused) => {
    for (const c of connections) c.setHubPaused(paused);
  });

  try {
    await listenOn(server, listen.host, listen.port);
  } catch (err) {
    offPause();
    throw err;
  }
  const addr = server.address() as net.AddressInfo;
  listenText = formatHostPort({ host: addr.address, port: addr.port });
  // accept errors after start (EMFILE and the like) must not crash the process
  server.on('error', (err) => {
    emit({
      type: 'error',
      time: Date.now(),
      level: LEVEL.error,
      msg: `listener error: ${err.message}`,
      code: (err as NodeJS.ErrnoException).code ?? 'LISTEN_ERROR',
      message: err.message,
    });
  });
  emit({
    type: 'listening',
    time: Date.now(),
    level: LEVEL.info,
    msg: `listening on ${listenText} -> ${targetText} (tcp, decode ${decode})`,
    listen: listenText,
    target: targetText,
    mode: 'tcp',
    decode,
  });

  let closing: Promise<void> | undefined;
  return {
    address: listenText,
    port: addr.port,
    target: targetText,
    hub,
    get connections() {
      return connections.size;
    },
    close(graceMs = 2000) {
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
        offPause();
        if (!options.hub) await hub.close();
      })();
      return closing;
    },
  };
}
