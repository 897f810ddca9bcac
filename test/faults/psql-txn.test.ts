// psql inside BEGIN meets an injected serialization failure and sees its transaction failed,
// exactly as a real server would show it: the next statement gets 25P02, COMMIT answers
// ROLLBACK, and the session is usable after. psql reads its script from a pipe; the toxic is
// added through the API once psql has printed BEGIN, so only the UPDATE is faulted. A second
// test uses `match` (sql~^update) and runs once the filter parser (issue 10) is merged.

import fs from 'node:fs';
import { spawn } from 'node:child_process';
import t, { type Test } from 'tap';
import pg from 'pg';
import { startPgServer, type PgServer } from '../helpers/pg-server.js';
import { needsFilterParser, portOf, startFaultApi } from './setup.js';

const PSQL = '/usr/bin/psql';

function psql(server: PgServer, port: number) {
  const child = spawn(
    PSQL,
    [
      '-X',
      '-h',
      '127.0.0.1',
      '-p',
      String(port),
      '-U',
      server.user,
      '-d',
      'postgres',
      '-v',
      'ON_ERROR_STOP=0',
    ],
    {
      env: { ...process.env, PGPASSWORD: server.password, PGSSLMODE: 'disable' },
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  let out = '';
  let err = '';
  const waiters: Array<[RegExp, () => void]> = [];
  const check = (): void => {
    for (const w of [...waiters]) {
      if (w[0].test(out)) {
        waiters.splice(waiters.indexOf(w), 1);
        w[1]();
      }
    }
  };
  child.stdout.setEncoding('utf8').on('data', (c: string) => ((out += c), check()));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
  const closed = new Promise<number>((r) => child.on('close', (code) => r(code ?? -1)));
  return {
    write: (s: string) => child.stdin.write(s),
    end: () => child.stdin.end(),
    /** resolves when stdout has matched `re` (event-driven: on each chunk psql prints) */
    until: (re: RegExp) => new Promise<void>((r) => (waiters.push([re, r]), check())),
    closed,
    get out() {
      return out;
    },
    get err() {
      return err;
    },
  };
}

async function setup(t: Test) {
  const server = await startPgServer(t, 'scram-sha-256', 'faults-psql-pw');
  if (!server) return undefined;
  t.teardown(() => server.stop());
  const direct = new pg.Client({
    host: '127.0.0.1',
    port: server.port,
    user: server.user,
    password: server.password,
    database: 'postgres',
  });
  await direct.connect();
  t.teardown(() => direct.end());
  await direct.query(
    'drop table if exists acct; create table acct (id int primary key, n int); insert into acct values (1, 0)',
  );
  const api = await startFaultApi(t);
  const proxy = await api.toxiproxy.createProxy({
    name: 'pg',
    listen: '127.0.0.1:0',
    upstream: `127.0.0.1:${server.port}`,
  });
  return { server, direct, proxy, port: portOf(proxy.listen) };
}

t.test(
  'psql inside BEGIN sees the transaction failed',
  { skip: fs.existsSync(PSQL) ? false : `${PSQL} missing: apt-get install postgresql-client` },
  async (t) => {
    const s = await setup(t);
    if (!s) return;
    const p = psql(s.server, s.port);
    p.write('BEGIN;\n');
    await p.until(/^BEGIN$/m);
    await s.proxy.addToxic({
      name: 'serialize',
      type: 'reply_error' as never,
      stream: 'upstream',
      toxicity: 1,
      attributes: {
        match: '',
        count: 1,
        sqlstate: '40001',
        message: 'could not serialize access due to concurrent update',
      },
    });
    p.write(
      'UPDATE acct SET n = n + 1 WHERE id = 1;\nSELECT 1;\nCOMMIT;\nSELECT 40 + 2 AS answer;\n',
    );
    p.end();
    t.equal(await p.closed, 0);
    t.match(p.err, /ERROR: {2}could not serialize access due to concurrent update/);
    t.match(
      p.err,
      /ERROR: {2}current transaction is aborted, commands ignored until end of transaction block/,
    );
    t.match(p.out, /^ROLLBACK$/m, 'COMMIT of the failed transaction printed ROLLBACK');
    t.match(p.out, /\b42\b/, 'the session goes on');
    const { rows } = await s.direct.query('select n from acct where id = 1');
    t.equal(rows[0].n, 0, 'the update never reached the server');
  },
);

t.test(
  'match sql~^update faults only the UPDATE',
  { skip: needsFilterParser() || (fs.existsSync(PSQL) ? false : `${PSQL} missing`) },
  async (t) => {
    const s = await setup(t);
    if (!s) return;
    await s.proxy.addToxic({
      name: 'updates',
      type: 'reply_error' as never,
      stream: 'upstream',
      toxicity: 1,
      attributes: { match: 'sql~^update', count: 1, sqlstate: '40001' },
    });
    const p = psql(s.server, s.port);
    p.write(
      'SELECT 5 AS five;\nBEGIN;\nupdate acct set n = n + 1 where id = 1;\nROLLBACK;\nupdate acct set n = n + 1 where id = 1;\nSELECT n FROM acct;\n',
    );
    p.end();
    t.equal(await p.closed, 0);
    t.match(p.out, /\b5\b/, 'the SELECT went through');
    t.match(p.err, /ERROR: {2}could not serialize/);
    t.match(p.out, /UPDATE 1/, 'count 1: the second update went through');
    const { rows } = await s.direct.query('select n from acct where id = 1');
    t.equal(rows[0].n, 1);
  },
);
