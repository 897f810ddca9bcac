// A hook in the forwarding path, for the few features that must change bytes on purpose:
// --strip-tls now, protocol-aware fault injection later (a chosen SQLSTATE, a Redis -BUSY).
// Without one, forwarding is byte-exact. What the views and the capture record is what each
// peer actually received: the client's bytes as sent, and the server side as the client saw it
// (forwarded server bytes after any change, plus any reply looptap made itself).

export interface InterceptResult {
  /** bytes to forward to the other side (may be empty) */
  forward: Buffer;
  /** bytes to answer the sender with directly, as if the other side had sent them */
  reply?: Buffer;
}

export interface Interceptor {
  client(chunk: Buffer): InterceptResult;
  server(chunk: Buffer): InterceptResult;
}

/** runs several interceptors in order; each sees what the previous one forwards */
export function chain(list: Interceptor[]): Interceptor | undefined {
  if (list.length === 0) return undefined;
  if (list.length === 1) return list[0];
  const run = (side: 'client' | 'server', chunk: Buffer): InterceptResult => {
    let forward = chunk;
    const replies: Buffer[] = [];
    for (const i of list) {
      const r = i[side](forward);
      forward = r.forward;
      if (r.reply) replies.push(r.reply);
    }
    return replies.length ? { forward, reply: Buffer.concat(replies) } : { forward };
  };
  return { client: (c) => run('client', c), server: (c) => run('server', c) };
}
