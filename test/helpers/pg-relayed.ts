// A real PostgreSQL with a startRelay in front and a connected pg client, torn down in order.
import type { Test } from 'tap';
import pg from 'pg';
import { startRelay, type WorkerRelay } from '../../src/index.js';
import { startPgServer, type PgServer } from './pg-server.js';

/** null when PostgreSQL cannot run here (the test has been skipped) */
export async function pgRelayed(
  t: Test,
  password: string,
  thread: 'main' | 'worker',
): Promise<{ server: PgServer; relay: WorkerRelay; client: pg.Client } | null> {
  const server = await startPgServer(t, 'scram-sha-256', password);
  if (!server) return null;
  const relay = await startRelay({ target: String(server.port), thread });
  t.teardown(() => relay.close(0));
  const client = new pg.Client({
    host: '127.0.0.1',
    port: relay.port,
    user: server.user,
    password,
    database: 'postgres',
  });
  await client.connect();
  t.teardown(() => client.end());
  return { server, relay, client };
}
