// Copy as, on exchanges that really passed a relay with secrets in them (not hand-made events:
// the first version of copy-as looked for a mask the decoders never write, and its fixtures
// used that same mask, so a copied command sent `authorization: [redacted]`, `token=[redacted]`
// and `"password":"*****"` to the server, or set a PostgreSQL role's password to the mask).
// Each command is run through /bin/sh: unset, the shell stops it before anything is sent; with
// LOOPTAP_SECRET_n set, the server gets those values.

import t from 'tap';
import http from 'node:http';
import { once } from 'node:events';
import { execFile } from 'node:child_process';
import pg from 'pg';
import { startRelay } from '../../src/index.js';
import { copyAs } from '../../src/ui/copy-as.js';
import { startPgServer } from '../helpers/pg-server.js';
import { need } from '../helpers/real-servers.js';

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

const run = (command: string, env: Record<string, string> = {}): Promise<Ran> =>
  new Promise((resolve) => {
    execFile('/bin/sh', ['-c', command], { env: { ...process.env, ...env } }, (err, out, e) => {
      const code = err ? Number((err as { code?: unknown }).code ?? 1) : 0;
      resolve({ code, stdout: String(out).trim(), stderr: String(e).trim() });
    });
  });

t.test('curl: a masked header is left out, a masked URL or body value must be set', async (t) => {
  if (!need(t, '/usr/bin/curl', 'curl')) return;
  const seen: Array<{ url?: string; auth?: string; body: string }> = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      seen.push({ url: req.url, auth: req.headers.authorization, body });
      res.setHeader('content-type', 'application/json');
      res.end('{"ok":true}');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(() => server.close());
  const port = (server.address() as { port: number }).port;
  const relay = await startRelay({ target: String(port) });
  t.teardown(() => relay.close(0));

  const sent = await fetch(`http://127.0.0.1:${relay.port}/login?token=TOKEN_COPY_1&q=1`, {
    method: 'POST',
    headers: { authorization: 'Bearer AUTH_COPY_2', 'content-type': 'application/json' },
    body: JSON.stringify({ user: 'ada', password: 'PASS_COPY_3' }),
  });
  t.equal(sent.status, 200);
  await sent.text();
  const [x] = relay.exchanges('protocol:http');
  t.ok(x, 'the relay recorded the exchange');
  const [cmd] = copyAs(x!, { target: `127.0.0.1:${port}` });
  t.notMatch(cmd!.command, /COPY_/, 'no secret in the command');
  t.notMatch(cmd!.command, /\[redacted\]|\*\*\*/, 'no mask in the command');
  t.match(cmd!.notes.join('\n'), /authorization was redacted/);
  t.match(cmd!.notes.join('\n'), /LOOPTAP_SECRET_1 to LOOPTAP_SECRET_2/);
  seen.length = 0;

  const unset = await run(cmd!.command);
  t.not(unset.code, 0, 'unset, the command fails');
  t.match(unset.stderr, /LOOPTAP_SECRET_1/, 'and the shell says what to set');
  t.same(seen, [], 'the server got nothing');

  const set = await run(cmd!.command, {
    LOOPTAP_SECRET_1: 'TOKEN_NEW',
    LOOPTAP_SECRET_2: 'PASS_NEW',
  });
  t.equal(set.code, 0, set.stderr);
  t.equal(set.stdout, '{"ok":true}');
  t.same(seen, [
    {
      url: '/login?token=TOKEN_NEW&q=1',
      auth: undefined,
      body: '{"user":"ada","password":"PASS_NEW"}',
    },
  ]);
});

t.test('psql: ALTER ROLE ... PASSWORD never sets the mask as the password', async (t) => {
  const server = await startPgServer(t, 'scram-sha-256', 'pw_COPY_admin');
  if (!server) return;
  t.teardown(() => server.stop());
  if (!need(t, '/usr/bin/psql', 'postgresql-client')) return;
  const as = {
    host: '127.0.0.1',
    user: server.user,
    password: server.password,
    database: 'postgres',
  };
  const admin = new pg.Client({ ...as, port: server.port });
  await admin.connect();
  t.teardown(() => admin.end());
  await admin.query("create role looptap_copy login password 'OLD_COPY_4'");

  const relay = await startRelay({ target: String(server.port) });
  t.teardown(() => relay.close(0));
  const viaRelay = new pg.Client({ ...as, port: relay.port });
  await viaRelay.connect();
  await viaRelay.query("alter role looptap_copy password 'NEWER_COPY_5'");
  await viaRelay.end();
  const [x] = relay.exchanges('sql~alter');
  t.ok(x, 'the relay recorded the ALTER ROLE');
  const [cmd] = copyAs(x!, { target: `127.0.0.1:${server.port}`, user: server.user });
  t.notMatch(cmd!.command, /COPY_/, 'no secret in the command');
  t.notMatch(cmd!.command, /\[redacted\]/, 'no mask in the command');

  const loginAs = async (password: string): Promise<boolean> => {
    const c = new pg.Client({
      host: '127.0.0.1',
      port: server.port,
      user: 'looptap_copy',
      password,
      database: 'postgres',
    });
    try {
      await c.connect();
      await c.end();
      return true;
    } catch {
      return false;
    }
  };
  const env = { PGPASSWORD: server.password };
  const unset = await run(cmd!.command, env);
  t.not(unset.code, 0, 'unset, the command fails');
  t.match(unset.stderr, /LOOPTAP_SECRET_1/);
  t.notOk(await loginAs('[redacted]'), 'the mask is not the password');
  t.ok(await loginAs('NEWER_COPY_5'), 'the password is still the one the app set');

  const set = await run(cmd!.command, { ...env, LOOPTAP_SECRET_1: 'SET_COPY_6' });
  t.equal(set.code, 0, set.stderr);
  t.ok(await loginAs('SET_COPY_6'), 'the value set is the new password');
});
