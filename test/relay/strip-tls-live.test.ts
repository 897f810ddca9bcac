// TLS seen by the PostgreSQL decoder, and --strip-tls, against a real server with ssl=on and the
// real psql: without the flag the connection is marked opaque once and the query still works;
// with it, an sslmode=prefer client talks plain text and its queries are decoded; an
// sslmode=require client fails loudly instead of being downgraded.
import t from 'tap';
import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, chownSync } from 'node:fs';
import { join } from 'node:path';
import { userInfo } from 'node:os';
import { startPgServer } from '../helpers/pg-server.js';
import { startRelay, MemorySink } from '../../src/index.js';

const PASSWORD = 'strip-tls-canary-' + process.pid;

function psql(
  port: number,
  sslmode: string,
  sql: string,
): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(
      'psql',
      [
        '-X',
        '-A',
        '-t',
        '-h',
        '127.0.0.1',
        '-p',
        String(port),
        '-U',
        'postgres',
        '-d',
        'postgres',
        '-c',
        sql,
      ],
      {
        env: { ...process.env, PGPASSWORD: PASSWORD, PGSSLMODE: sslmode, PGCONNECT_TIMEOUT: '10' },
      },
      (err, out, errOut) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out, err: errOut }),
    );
  });
}

t.test('TLS is marked opaque; --strip-tls makes sslmode=prefer readable', async (t) => {
  const pg = await startPgServer(t, 'scram-sha-256', PASSWORD);
  if (!pg) return;
  // a throwaway self-signed certificate in the data dir, owned by the server's user
  const data = join(pg.dir, 'data');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-keyout',
      join(data, 'server.key'),
      '-out',
      join(data, 'server.crt'),
    ],
    { stdio: 'ignore' },
  );
  chmodSync(join(data, 'server.key'), 0o600);
  if (userInfo().uid === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(join(data, 'server.key'), uid, gid);
    chownSync(join(data, 'server.crt'), uid, gid);
  }
  // two calls: psql -c runs several statements in one transaction, which ALTER SYSTEM refuses
  const on = await psql(pg.port, 'disable', 'alter system set ssl = on');
  const reload = await psql(pg.port, 'disable', 'select pg_reload_conf()');
  t.equal(reload.code, 0, `reloaded (${reload.err})`);
  t.equal(on.code, 0, `ssl turned on (${on.err})`);
  const direct = await psql(pg.port, 'require', 'select 1');
  t.equal(direct.code, 0, `the server speaks TLS now (${direct.err})`);

  const SQL = 'select ssl from pg_stat_ssl where pid = pg_backend_pid()';
  t.test('without --strip-tls', async (t) => {
    const mem = new MemorySink();
    const relay = await startRelay({ target: String(pg.port), sinks: [mem] });
    t.teardown(() => relay.close());
    const r = await psql(relay.port, 'prefer', SQL);
    t.equal(r.code, 0, 'the query works through looptap');
    t.equal(r.out.trim(), 't', 'and the session is encrypted');
    await relay.close();
    const tls = mem.messages('postgres').filter((m) => m.name === 'tls');
    t.equal(tls.length, 1, 'one tls message, no flood');
    t.notOk(
      mem.messages('postgres').some((m) => m.name === 'Query'),
      'no query can be read',
    );
    t.notOk(
      mem.ofType('error').some((e) => e.code === 'DECODE_FALLBACK'),
      'no decode errors',
    );
  });

  t.test('with --strip-tls, sslmode=prefer', async (t) => {
    const mem = new MemorySink();
    const relay = await startRelay({ target: String(pg.port), stripTls: true, sinks: [mem] });
    t.teardown(() => relay.close());
    const r = await psql(relay.port, 'prefer', SQL);
    t.equal(r.code, 0, `the query works (${r.err})`);
    t.equal(r.out.trim(), 'f', 'the session is plain text');
    await relay.close();
    const queries = mem.messages('postgres').filter((m) => m.name === 'Query');
    t.ok(
      queries.some((q) => q.fields.sql === SQL),
      'the query is decoded',
    );
    t.notOk(
      mem.messages('postgres').some((m) => m.name === 'tls'),
      'no tls message',
    );
    const captured = JSON.stringify(
      mem.events.map((e) => (e.type === 'data' ? e.bytes.toString('latin1') : e)),
    );
    t.notOk(captured.includes(PASSWORD), 'the password is still redacted');
  });

  t.test('with --strip-tls, sslmode=require fails loudly', async (t) => {
    const relay = await startRelay({ target: String(pg.port), stripTls: true, sinks: [] });
    t.teardown(() => relay.close());
    const r = await psql(relay.port, 'require', 'select 1');
    t.not(r.code, 0, 'psql refuses to go on without TLS');
    t.match(r.err, /SSL/i, 'and says why');
  });
});
