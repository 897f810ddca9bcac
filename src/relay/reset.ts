// Closing a socket with a reset (RST) rather than a FIN, as far as Node and libuv allow.
//
// A reset is how the relay carries a peer's reset, and how it force-closes at shutdown: a peer
// that got a clean EOF in the middle of a reply would take the truncated reply as complete.
//
// The trap (Node 20, libuv 1.4x): resetAndDestroy() sets SO_LINGER 0 through
// uv_tcp_close_reset(), which refuses with EINVAL while a shutdown request is in flight (the one
// end() makes once every write is done). Node then emits 'error' (syscall 'reset') and drops the
// handle without closing it: no 'close' event ever comes and the fd stays open. A FIN carried
// with end() is in flight for a moment after the last byte was written, so a forced close at
// that moment (looptap serve's SIGTERM, a proxy going down, a fault's reset) hung the connection.

import type net from 'node:net';

/** end() was called, every byte is written, the shutdown has not completed: a reset is refused */
export function shutdownInFlight(sock: net.Socket): boolean {
  return sock.writableEnded && sock.writableLength === 0 && !sock.writableFinished;
}

export function resetOrDestroy(sock: net.Socket): void {
  if (sock.destroyed) return;
  // resetAndDestroy needs a connected handle; a socket still connecting is just destroyed
  if (sock.connecting || sock.pending) sock.destroy();
  // every byte is already in the kernel and the FIN that end() carries is the truthful end of
  // the stream: close() sends it after the data, nothing is cut short. (With bytes still queued
  // in Node, end() has not asked libuv for the shutdown yet, and the reset below works.)
  else if (shutdownInFlight(sock)) sock.destroy();
  else sock.resetAndDestroy();
}

/** the error Node emits when it could not reset: the handle was dropped and 'close' never comes */
export const isResetFailure = (err: NodeJS.ErrnoException): boolean => err.syscall === 'reset';
