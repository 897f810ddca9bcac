// A hook in the forwarding path, for the few features that must change bytes on purpose:
// --strip-tls, and fault injection (src/faults: latency, bandwidth, a chosen SQLSTATE, a Redis
// -BUSY). Without one, forwarding is byte-exact. What the views and the capture record is what
// each peer actually received: the client's bytes as sent, and the server side as the client saw
// it (forwarded server bytes after any change, plus any reply looptap made itself).
//
// Two shapes. A synchronous interceptor answers each chunk at once ({forward, reply}). An
// asynchronous one (faults) is handed an InterceptorIO by `bind` and returns `{ forward: EMPTY }`
// while it delivers bytes later itself (delayed, sliced, replaced), carries FINs itself (`end`
// returns true), and holds the sender back while it keeps too much (`io.hold`).

import type { From } from '../events.js';

export interface InterceptResult {
  /** bytes to forward to the other side (may be empty) */
  forward: Buffer;
  /** bytes to answer the sender with directly, as if the other side had sent them */
  reply?: Buffer;
  /** set with `reply`: the answer is a fault's (the toxic's name), marked in the capture */
  injected?: string;
}

/** what the connection offers an asynchronous interceptor */
export interface InterceptorIO {
  readonly conn: number;
  /** write bytes that `from` sent (possibly changed) to its peer; false: the peer's buffer is
   * full, wait for `onDrain(from)` before writing more */
  deliver(from: From, bytes: Buffer): boolean;
  onDrain(from: From, cb: () => void): void;
  /** answer `to` directly, as if its peer had sent the bytes; `injected` names the toxic */
  reply(to: From, bytes: Buffer, injected?: string): void;
  /** carry `from`'s FIN to its peer now (after everything delivered before it) */
  end(from: From): void;
  /** stop (true) or restart (false) reading from `from` */
  hold(from: From, on: boolean): void;
  /** reset both sockets at once (a fault's drop_connection, reset_peer) */
  reset(why: string): void;
  /** close both sockets with a FIN (timeout, limit_data) */
  close(why: string): void;
  /** one line in the live view and the capture: what a fault did (an `error` event, code FAULT) */
  note(why: string): void;
}

export interface Interceptor {
  client(chunk: Buffer): InterceptResult;
  server(chunk: Buffer): InterceptResult;
  /** asynchronous interceptors only: called once, before the first chunk */
  bind?(io: InterceptorIO): void;
  /** `from` sent FIN; true: the interceptor carries it later with io.end (after held data) */
  end?(from: From): boolean;
  /** the connection is gone: clear timers */
  dispose?(): void;
}

/** runs several interceptors in order; each sees what the previous one forwards. An asynchronous
 * interceptor delivers on its own, so it must come last (faults are added after --strip-tls). */
export function chain(list: Interceptor[]): Interceptor | undefined {
  if (list.length === 0) return undefined;
  if (list.length === 1) return list[0];
  const run = (side: 'client' | 'server', chunk: Buffer): InterceptResult => {
    let forward = chunk;
    const replies: Buffer[] = [];
    let injected: string | undefined;
    for (const i of list) {
      const r = i[side](forward);
      forward = r.forward;
      if (r.reply) replies.push(r.reply);
      injected ??= r.injected;
    }
    if (!replies.length) return { forward };
    return injected
      ? { forward, reply: Buffer.concat(replies), injected }
      : { forward, reply: Buffer.concat(replies) };
  };
  return {
    client: (c) => run('client', c),
    server: (c) => run('server', c),
    bind: (io) => {
      for (const i of list) i.bind?.(io);
    },
    end: (from) => list.some((i) => i.end?.(from) === true),
    dispose: () => {
      for (const i of list) i.dispose?.();
    },
  };
}
