// Listening for the TCP relay and HTTP mode, with one-line failures that name the fix (exclusive bind,
// backlog 511: research/performance.md point 8).

import type net from 'node:net';
import { once } from 'node:events';
import { formatHostPort } from './address.js';
import { LooptapError } from './errors.js';

/** `flag`: what the user set the address with, named in the fix (`--ui`, `--api`, a proxy's
 * `listen` field) */
export async function listenOn(
  server: net.Server,
  host: string,
  port: number,
  flag = '--listen',
): Promise<void> {
  const failed = once(server, 'error');
  server.listen({ host, port, backlog: 511, exclusive: true });
  try {
    await Promise.race([
      once(server, 'listening'),
      failed.then(([e]) => Promise.reject(e as Error)),
    ]);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const where = formatHostPort({ host, port });
    const fix: Record<string, string> = {
      EADDRINUSE: `listen address ${where} is already in use: pick another ${flag} port, or ${flag.startsWith('--') ? `leave ${flag} out` : 'use port 0'} and the OS picks a free one`,
      EACCES: `not allowed to listen on ${where} (EACCES): ports below 1024 need privileges; use a higher port`,
      EADDRNOTAVAIL: `cannot listen on ${where} (EADDRNOTAVAIL): that address is not on this machine; use 127.0.0.1`,
    };
    throw new LooptapError(
      e.code ?? 'LISTEN_FAILED',
      fix[e.code ?? ''] ?? `cannot listen on ${where}: ${e.message}`,
    );
  }
}
