// One proxied connection: the client socket, the socket to the target, and the rules that keep
// the relay honest (docs/architecture.md):
//
//   client ──data──▶ [interceptor?] ──write──▶ server      (and the mirror image)
//                          └──▶ Observer ──▶ data / message events
//
// - bytes are forwarded first, observed second, never changed (except by an opt-in interceptor);
// - a FIN is carried as a FIN after the data before it (half-close), a reset as a reset;
// - backpressure: a side whose peer's write buffer is full is paused until 'drain', and every
//   socket is paused while a sink (the capture) asks the hub to wait;
// - exactly one `open` and one `close` per connection, whatever happens.

import net from 'node:net';
import type { CaptureEvent, CloseReason, From } from '../events.js';
import { LEVEL } from '../events.js';
import type { Observing } from './observer.js';
import type { Interceptor, InterceptorIO } from './interceptor.js';
import { closeAfterFins, interceptorIO } from './interceptor-io.js';
import { describe } from '../capture/hub.js';
import { explainConnectError } from './connect-errors.js';
import { isResetFailure, resetOrDestroy } from './reset.js';
import { now } from '../util/time.js';

export interface ConnectionDeps {
  id: number;
  client: net.Socket;
  target: { host: string; port: number };
  targetText: string;
  listenText: string;
  connectTimeoutMs: number;
  observer: Observing;
  interceptor?: Interceptor;
  emit: (e: CaptureEvent) => void;
  onClosed: (c: Connection) => void;
  hubPaused: () => boolean;
}

const EMPTY = Buffer.alloc(0);

export class Connection {
  readonly id: number;
  private client: net.Socket;
  private server: net.Socket;
  private started = now();
  private bytes = { client: 0, server: 0 };
  private reason?: CloseReason;
  private connected = false;
  private closed: Record<From, boolean> = { client: false, server: false };
  private finished = false;
  private hubHold = false;
  private drainHold: Record<From, boolean> = { client: false, server: false };
  /** an asynchronous interceptor (faults) keeps too much of this side's bytes */
  private faultHold: Record<From, boolean> = { client: false, server: false };
  private finCarried: Record<From, boolean> = { client: false, server: false };
  private connectTimer?: NodeJS.Timeout;

  constructor(private readonly d: ConnectionDeps) {
    this.id = d.id;
    this.client = d.client;
    this.client.setNoDelay(true);
    const clientText = `${this.client.remoteAddress ?? '?'}:${this.client.remotePort ?? 0}`;
    d.emit({
      type: 'open',
      time: Math.floor(this.started),
      level: LEVEL.info,
      msg: `#${this.id} open ${clientText} -> ${d.targetText}`,
      conn: this.id,
      client: clientText,
      listen: d.listenText,
      target: d.targetText,
    });

    this.server = net.connect({ host: d.target.host, port: d.target.port, allowHalfOpen: true });
    this.server.setNoDelay(true);
    this.connectTimer = setTimeout(() => this.connectTimedOut(), d.connectTimeoutMs);
    this.server.once('connect', () => {
      this.connected = true;
      clearTimeout(this.connectTimer);
    });

    this.wire('client', this.client, this.server);
    this.wire('server', this.server, this.client);
    d.interceptor?.bind?.(this.io());
    // the client arrives paused (pauseOnConnect); start reading only if the hub is not holding
    // back: resuming unconditionally let a connection accepted during capture backpressure
    // read without limit until the next pause
    this.hubHold = d.hubPaused();
    this.updateFlow('client');
    this.updateFlow('server');
  }

  setHubPaused(paused: boolean): void {
    this.hubHold = paused;
    this.updateFlow('client');
    this.updateFlow('server');
  }

  /** looptap is stopping and the grace period is over */
  forceClose(): void {
    this.reason ??= 'shutdown';
    // a reset, not a FIN: a peer that gets a clean EOF in the middle of a reply would take the
    // truncated reply as complete (a FIN already in flight is closed as a FIN: src/relay/reset.ts)
    resetOrDestroy(this.client);
    resetOrDestroy(this.server);
  }

  private socketOf(from: From): net.Socket {
    return from === 'client' ? this.client : this.server;
  }

  private updateFlow(from: From): void {
    const sock = this.socketOf(from);
    if (sock.destroyed) return;
    if (this.hubHold || this.drainHold[from] || this.faultHold[from]) sock.pause();
    else sock.resume();
  }

  private wire(from: From, src: net.Socket, dst: net.Socket): void {
    src.on('data', (chunk: Buffer) => this.onData(from, chunk, dst));
    src.on('end', () => {
      // libuv turns a reset that arrives right after a partial read into a plain EOF (its
      // POLLHUP short-cut), so a peer's RST would be forwarded as a clean FIN and a truncated
      // reply would look complete. A zero-length write surfaces the pending ECONNRESET (it
      // sends nothing on a live half-closed socket); the 'error' handler then carries the reset.
      // When our side of src is already shut, no probe is possible: see docs/relay-guarantees.md.
      if (src.writableEnded || src.destroyed) return this.onFin(from, dst);
      src.write(EMPTY, (err) => {
        if (!err) this.onFin(from, dst);
      });
    });
    src.on('error', (err: NodeJS.ErrnoException) => this.onSocketError(from, err));
    src.on('close', () => this.onSocketClose(from));
  }

  private onFin(from: From, dst: net.Socket): void {
    // an asynchronous interceptor still holding data carries the FIN after it (io.end)
    if (this.d.interceptor?.end?.(from)) return;
    this.carryFin(from, dst);
  }

  private carryFin(from: From, dst: net.Socket): void {
    const t = now();
    this.reason ??= from === 'client' ? 'client_fin' : 'server_fin';
    this.d.emit({
      type: 'end',
      time: Math.floor(t),
      level: LEVEL.info,
      msg: `#${this.id} ${from} sent FIN`,
      conn: this.id,
      from,
    });
    this.d.observer.end(from, t);
    // end() queues the FIN behind any data still buffered for dst
    if (!dst.destroyed) dst.end();
    this.finCarried[from] = true;
    if (this.d.interceptor?.bind && this.finCarried.client && this.finCarried.server) {
      closeAfterFins(this.client, this.server);
    }
  }

  private onData(from: From, chunk: Buffer, dst: net.Socket): void {
    const t = now();
    this.bytes[from] += chunk.length;
    let forward = chunk;
    const r = this.d.interceptor?.[from](chunk);
    if (r) forward = r.forward;
    const reply = r?.reply;
    if (forward.length > 0 && !dst.destroyed && !dst.writableEnded) {
      if (!dst.write(forward)) {
        this.drainHold[from] = true;
        this.updateFlow(from);
        dst.once('drain', () => {
          this.drainHold[from] = false;
          this.updateFlow(from);
        });
      }
    }
    // the view records what each peer received: the client side as sent, the server side as
    // the client saw it (after an interceptor, if any)
    // (an asynchronous interceptor records server bytes itself, when it delivers them)
    if (from === 'client') this.d.observer.data(from, chunk, t);
    else if (forward.length > 0) this.d.observer.data(from, forward, t);
    if (reply && reply.length > 0) {
      const src = this.socketOf(from);
      if (!src.destroyed) src.write(reply);
      this.d.observer.data(from === 'client' ? 'server' : 'client', reply, t, r?.injected);
    }
  }

  /** the hooks an asynchronous interceptor (src/faults) drives the sockets with */
  private io(): InterceptorIO {
    return interceptorIO({
      id: this.id,
      client: this.client,
      server: this.server,
      observer: this.d.observer,
      emit: this.d.emit,
      finished: () => this.finished,
      closing: (reason) => (this.reason ??= reason),
      carryFin: (from, dst) => this.carryFin(from, dst),
      hold: (from, on) => {
        this.faultHold[from] = on;
        this.updateFlow(from);
      },
      reset: resetOrDestroy,
    });
  }

  private onSocketError(from: From, err: NodeJS.ErrnoException): void {
    const other = from === 'client' ? this.server : this.client;
    // Node dropped the handle without closing it (src/relay/reset.ts): no 'close' will come, so
    // count this socket as closed, or the connection would never end
    if (isResetFailure(err)) process.nextTick(() => this.onSocketClose(from));
    if (from === 'server' && !this.connected) {
      clearTimeout(this.connectTimer);
      this.reason ??= 'connect_failed';
      const message = `cannot reach target ${this.d.targetText}: ${explainConnectError(err)}`;
      this.d.emit({
        type: 'error',
        time: Date.now(),
        level: LEVEL.error,
        msg: `#${this.id} ${message}`,
        code: err.code ?? 'CONNECT_FAILED',
        message,
        conn: this.id,
      });
      resetOrDestroy(this.client);
      return;
    }
    this.reason ??= from === 'client' ? 'client_reset' : 'server_reset';
    if (err.code !== 'ECONNRESET' && err.code !== 'EPIPE') {
      const message = `${from} socket error: ${describe(err)}`;
      this.d.emit({
        type: 'error',
        time: Date.now(),
        level: LEVEL.warn,
        msg: `#${this.id} ${message}`,
        code: err.code ?? 'SOCKET_ERROR',
        message,
        conn: this.id,
      });
    }
    // a reset is carried as a reset: a truncated reply must not look like a complete one
    resetOrDestroy(other);
  }

  private connectTimedOut(): void {
    if (this.connected || this.finished) return;
    this.reason ??= 'connect_timeout';
    const message = `cannot reach target ${this.d.targetText}: no answer within ${this.d.connectTimeoutMs} ms; is it listening, or stopped in a debugger?`;
    this.d.emit({
      type: 'error',
      time: Date.now(),
      level: LEVEL.error,
      msg: `#${this.id} ${message}`,
      code: 'CONNECT_TIMEOUT',
      message,
      conn: this.id,
    });
    this.server.destroy();
    resetOrDestroy(this.client);
  }

  private onSocketClose(from: From): void {
    if (this.closed[from]) return;
    this.closed[from] = true;
    if (!this.closed.client || !this.closed.server) {
      // the first socket is gone; make sure the other follows once its data is flushed
      const other = from === 'client' ? this.server : this.client;
      if (!other.destroyed && other.readableEnded && other.writableFinished) other.destroy();
      return;
    }
    if (this.finished) return;
    this.finished = true;
    clearTimeout(this.connectTimer);
    this.d.interceptor?.dispose?.();
    this.d.observer.close();
    const ms = Math.round((now() - this.started) * 1000) / 1000;
    const reason = this.reason ?? 'client_fin';
    this.d.emit({
      type: 'close',
      time: Date.now(),
      level: LEVEL.info,
      msg: `#${this.id} closed (${reason}) client ${this.bytes.client} B, server ${this.bytes.server} B, ${ms} ms`,
      conn: this.id,
      reason,
      bytes: { ...this.bytes },
      ms,
    });
    this.d.onClosed(this);
  }
}

export { explainConnectError } from './connect-errors.js';
