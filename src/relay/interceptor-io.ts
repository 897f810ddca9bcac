// The InterceptorIO a Connection hands an asynchronous interceptor (src/faults): deliver bytes
// later, answer a side directly (marked `injected`), carry a FIN after held data, hold a side
// back, reset or close the connection, and say what a fault did (an `error` event, code FAULT).
// Server bytes are recorded when they are delivered: the capture shows what the client received.

import type net from 'node:net';
import type { CaptureEvent, CloseReason, From } from '../events.js';
import { LEVEL } from '../events.js';
import type { InterceptorIO } from './interceptor.js';
import type { Observing } from './observer.js';
import { now } from '../util/time.js';

export interface IOHost {
  id: number;
  client: net.Socket;
  server: net.Socket;
  observer: Observing;
  emit: (e: CaptureEvent) => void;
  finished: () => boolean;
  /** sets the close reason unless one is set */
  closing: (reason: CloseReason) => void;
  carryFin: (from: From, dst: net.Socket) => void;
  hold: (from: From, on: boolean) => void;
  reset: (s: net.Socket) => void;
}

export function interceptorIO(h: IOHost): InterceptorIO {
  const peer = (from: From): net.Socket => (from === 'client' ? h.server : h.client);
  const open = (s: net.Socket): boolean => !s.destroyed && !s.writableEnded;
  const fault = (why: string): void => {
    h.emit({
      type: 'error',
      time: Date.now(),
      level: LEVEL.warn,
      msg: `#${h.id} ${why}`,
      code: 'FAULT',
      message: why,
      conn: h.id,
    });
  };
  return {
    conn: h.id,
    deliver: (from, bytes) => {
      const dst = peer(from);
      if (!open(dst) || bytes.length === 0) return true;
      const ok = dst.write(bytes);
      if (from === 'server') h.observer.data('server', bytes, now());
      return ok;
    },
    onDrain: (from, cb) => {
      peer(from).once('drain', cb);
    },
    reply: (to, bytes, injected) => {
      const sock = to === 'client' ? h.client : h.server;
      if (!open(sock) || bytes.length === 0) return;
      sock.write(bytes);
      h.observer.data(to === 'client' ? 'server' : 'client', bytes, now(), injected);
    },
    end: (from) => h.carryFin(from, peer(from)),
    hold: h.hold,
    reset: (why) => {
      if (h.finished()) return;
      h.closing('server_reset');
      fault(why);
      h.reset(h.client);
      h.reset(h.server);
    },
    note: (why) => {
      if (!h.finished()) fault(why);
    },
    close: (why) => {
      if (h.finished()) return;
      h.closing('server_fin');
      fault(why);
      for (const s of [h.client, h.server]) {
        if (s.destroyed) continue;
        if (s.connecting || s.pending) s.destroy();
        else s.end(() => s.destroy());
      }
    },
  };
}

/** Both sides said FIN and every byte was read. With FINs carried late by an asynchronous
 * interceptor, a socket's shutdown request was seen never to complete (Node 20: 'finish' pending
 * on both sockets), so the connection never closed. Nothing is left to read or write: close both
 * once their writes are handed to the kernel (close() still sends the FIN after the data). */
export function closeAfterFins(client: net.Socket, server: net.Socket): void {
  setImmediate(() => {
    for (const s of [client, server]) if (!s.destroyed && s.writableLength === 0) s.destroy();
  });
}
