// `looptap demo`: a real conversation with nothing installed. An embedded PostgreSQL (PGlite:
// Postgres compiled to WASM, from npm, in this process), looptap in front of it, and a small app
// using the `pg` driver through looptap, decoded live. Then it stays up so the user can point
// their own client at it, until Ctrl-C.

import { startRelay } from '../../relay/tcp-relay.js';
import { openOutputs, type OutputFlags } from '../output.js';
import { runUntilSignal } from '../lifecycle.js';
import { maybeStartUi } from '../../ui/cli.js';
import type { Log } from '../../log/log.js';

export interface DemoFlags extends OutputFlags {
  /** run the app and stop, instead of waiting for Ctrl-C */
  once: boolean;
  /** --ui [HOST:PORT] */
  ui?: string;
}

export async function runDemo(flags: DemoFlags, log: Log): Promise<number> {
  const narrator = log.named('looptap demo');
  const say = (s: string): void => narrator.info(s);
  say('starting an embedded PostgreSQL (PGlite 0.5, Postgres 18 in WASM: no password, no TLS)…');
  const { PGlite } = await import('@electric-sql/pglite');
  const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
  const db = await PGlite.create();
  const pgServer = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 8 });
  await pgServer.start();
  const dbAddress = pgServer.getServerConn();

  const outputs = await openOutputs(flags, (msg) => log.error(msg));
  const relay = await startRelay({ target: dbAddress, decode: 'auto', sinks: outputs.sinks });
  const ui = await maybeStartUi(
    flags,
    relay.hub,
    { targets: [dbAddress], capture: flags.capture },
    (url) => log.info(`ui: ${url}`, { ui: url }, { bare: true }),
  ).catch(async (err: unknown) => {
    await relay.close(0);
    await pgServer.stop();
    throw err;
  });
  const shutdown = {
    close: async (graceMs?: number) => {
      await relay.close(graceMs);
      await ui?.close();
      await pgServer.stop();
      await db.close();
    },
  };
  try {
    await runApp(relay.port);
  } catch (err) {
    await shutdown.close(0);
    throw err;
  }
  const url = `postgresql://postgres@127.0.0.1:${relay.port}/postgres?sslmode=disable`;
  say(`the app is done. looptap is still in front of the database: try your own client, e.g.`);
  say(`  psql '${url}' -c 'select * from demo_users'`);
  if (flags.once) {
    await shutdown.close(500);
    return 0;
  }
  say('press Ctrl-C to stop.');
  await runUntilSignal(shutdown, outputs.capture, 2000, log);
  return 0;
}

/** The demo app: what a small service would say to its database. */
async function runApp(port: number): Promise<void> {
  const pg = (await import('pg')).default;
  const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres' });
  await client.connect();
  try {
    await client.query(
      'create table demo_users (id serial primary key, name text not null, email text)',
    );
    for (const [name, email] of [
      ['ada', 'ada@example.com'],
      ['grace', 'grace@example.com'],
      ['linus', null],
    ]) {
      await client.query('insert into demo_users (name, email) values ($1, $2)', [name, email]);
    }
    await client.query(
      'select id, name, email from demo_users where email is not null order by id',
    );
    await client.query('select count(*) from demo_users');
    try {
      await client.query('select 1 / 0');
    } catch {
      // the division by zero is part of the show: an ErrorResponse with SQLSTATE 22012
    }
  } finally {
    await client.end();
  }
}
