// The client connections of HTTP mode: one `open` and one `close` event per accepted socket
// (requests on a keep-alive connection share its `conn`), and the set that shutdown closes.
// Upgraded (WebSocket) sockets are included: Node's closeAllConnections() does not see them.

import type net from 'node:net';
import type { CaptureEvent, CloseReason } from '../events.js';
import { LEVEL } from '../events.js';
import { now } from '../util/time.js';

export class ClientConnections {
  private ids = new WeakMap<net.Socket, number>();
  private open = new Set<net.Socket>();
  private next = 0;
  private shuttingDown = false;

  constructor(
    private readonly emit: (e: CaptureEvent) => void,
    private readonly listenText: () => string,
    private readonly targetText: string,
  ) {}

  get size(): number {
    return this.open.size;
  }

  idOf(socket: net.Socket): number {
    return this.ids.get(socket) ?? this.add(socket);
  }

  add(socket: net.Socket): number {
    const known = this.ids.get(socket);
    if (known !== undefined) return known;
    const id = ++this.next;
    const started = now();
    this.ids.set(socket, id);
    this.open.add(socket);
    const client = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`;
    this.emit({
      type: 'open',
      time: Math.floor(started),
      level: LEVEL.info,
      msg: `#${id} open ${client} -> ${this.targetText}`,
      conn: id,
      client,
      listen: this.listenText(),
      target: this.targetText,
    });
    let reason: CloseReason | undefined;
    socket.on('end', () => {
      reason ??= 'client_fin';
      // a half-close is not an abort: the answer still goes out (httpAllowHalfOpen)
      this.emit({
        type: 'end',
        time: Date.now(),
        level: LEVEL.info,
        msg: `#${id} client sent FIN`,
        conn: id,
        from: 'client',
      });
    });
    socket.on('error', () => (reason ??= 'client_reset'));
    socket.once('close', () => {
      this.open.delete(socket);
      // neither a FIN nor an error from the client: looptap (Node's keep-alive timeout) closed it
      const r = reason ?? (this.shuttingDown ? 'shutdown' : 'server_fin');
      const ms = Math.round((now() - started) * 1000) / 1000;
      const bytes = { client: socket.bytesRead, server: socket.bytesWritten };
      this.emit({
        type: 'close',
        time: Date.now(),
        level: LEVEL.info,
        msg: `#${id} closed (${r}) client ${bytes.client} B, server ${bytes.server} B, ${ms} ms`,
        conn: id,
        reason: r,
        bytes,
        ms,
      });
    });
    return id;
  }

  destroyAll(): void {
    this.shuttingDown = true;
    for (const s of this.open) s.destroy();
  }

  async waitEmpty(deadline: number): Promise<void> {
    while (this.open.size > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}
