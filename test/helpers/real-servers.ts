// Real servers for the many-routes, rotation and pcap tests: redis-server from apt on a free
// port, PostgreSQL (PGlite over its socket server, from npm), a Node HTTP origin. Each listens on
// 127.0.0.1 and is stopped by pid or handle in t.teardown. A missing apt program skips the test
// loudly, or fails it when LOOPTAP_REQUIRE_SERVERS=1 (CI must not skip silently).

import http from 'node:http';
import net from 'node:net';
import { once } from 'node:events';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { skipTest, type SkipTarget } from './skip.js';
import { deadPort, spawnLooptap, startEcho, type Teardown, type Looptap } from './net.js';

export type Skipper = Teardown & SkipTarget;

/** true when `bin` exists; otherwise skips `t` (or fails it under LOOPTAP_REQUIRE_SERVERS=1) */
export function need(t: Skipper, bin: string, pkg: string): boolean {
  if (existsSync(bin)) return true;
  skipTest(t, `${bin} is missing: apt-get install ${pkg} to run this test`);
  return false;
}

export async function waitForPort(port: number, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      const s = net.connect({ host: '127.0.0.1', port });
      await once(s, 'connect');
      s.destroy();
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** redis-server on a free loopback port, no persistence; killed by pid at teardown */
export async function startRedis(t: Teardown): Promise<{ port: number }> {
  const port = await deadPort();
  const child = spawn(
    '/usr/bin/redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  await waitForPort(port);
  return { port };
}

/** PostgreSQL 18 (PGlite, WASM) behind its socket server on 127.0.0.1:0 */
export async function startPostgres(t: Teardown): Promise<{ port: number }> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
  const db = await PGlite.create();
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 8 });
  await server.start();
  t.teardown(async () => {
    await server.stop();
    await db.close();
  });
  const port = Number(/:(\d+)$/.exec(server.getServerConn())![1]);
  return { port };
}

/** an HTTP origin that answers every request with its method and URL */
export async function startOrigin(t: Teardown): Promise<{ port: number }> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.end(`${req.method} ${req.url}\n`));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(
    () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  );
  return { port: (server.address() as net.AddressInfo).port };
}

/** waits until looptap announced `n` routes; returns route name -> port */
export async function routePorts(
  lt: Looptap,
  n: number,
  ms = 15_000,
): Promise<Map<string, number>> {
  const deadline = Date.now() + ms;
  for (;;) {
    const ports = new Map<string, number>();
    for (const l of lt.stdout) {
      const m = /^\[([^\]]+)\] listening on [^ ]*:(\d+) /.exec(l);
      if (m) ports.set(m[1]!, Number(m[2]));
    }
    if (ports.size >= n) return ports;
    if (Date.now() > deadline) {
      throw new Error(
        `only ${ports.size} of ${n} routes announced; stderr: ${lt.stderr.join('\n')}`,
      );
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** redis-server, an HTTP origin, an echo and PostgreSQL behind one looptap with four routes
 * (redis, web, echo, pg) and one capture; resolves once every route has announced its port */
export async function startFourRoutes(t: Teardown, capture: string) {
  const [redis, origin, echo, db] = await Promise.all([
    startRedis(t),
    startOrigin(t),
    startEcho(t),
    startPostgres(t),
  ]);
  const lt = await spawnLooptap(t, [
    '--quiet',
    '--capture',
    capture,
    '--route',
    `redis@0=${redis.port}`,
    '--route',
    `web@0=${origin.port}`,
    '--route',
    `echo@0=${echo.port}`,
    '--route',
    `pg@0=${db.port}`,
  ]);
  const ports = await routePorts(lt, 4);
  return { redis, origin, echo, db, lt, ports };
}
