// Replay never sends a mask (issue 9), against a real redis-server: a capture holding
// CONFIG SET requirepass, CONFIG SET masterauth and ACL SETUSER bob >pw is refused before
// connecting (each request listed with the --secret name that fills it; the original password
// still works afterwards); with --secret the values given are the ones set; --skip-redacted
// leaves them out and says so. Then redis-cli --pipe: its empty line is not a request, and a
// binary value is shown escaped once.

import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { capture, jsonLines, looptap, tempDir } from './helpers.js';
import { need } from '../helpers/real-servers.js';
import { secretForms } from '../helpers/feed.js';
import { REDIS_CLI, REDIS_SERVER, redisCli, startRedisServer } from '../helpers/redis-server.js';

const OLD = 'old_REDACTCANARY_91';
const NEW = 'new_REDACTCANARY_92';
const MASTER = 'master_REDACTCANARY_93';
const BOB = 'bob_REDACTCANARY_94';

t.test('masked CONFIG SET and ACL SETUSER are refused, filled, or left out', async (t) => {
  if (!need(t, REDIS_SERVER, 'redis-server') || !need(t, REDIS_CLI, 'redis-tools')) return;
  const server = await startRedisServer(t, OLD);
  const port = server.port;
  const dir = tempDir(t, 'looptap-replay-redacted-');
  await redisCli(port, OLD, ['SET', 'k', 'v']);

  const file = await capture(join(dir, 'cap.jsonl'), String(port), async (p) => {
    await redisCli(
      p,
      OLD,
      [],
      `ACL SETUSER bob on >${BOB} ~* +@all\nCONFIG SET masterauth ${MASTER}\nCONFIG SET requirepass ${NEW}\nGET k\n`,
    );
  });
  const text = readFileSync(file, 'utf8');
  for (const secret of [OLD, NEW, MASTER, BOB]) {
    const found = secretForms(secret).filter((f) => text.includes(f));
    t.same(found, [], `${secret} is not in the capture in any form`);
  }
  // back to the state before the capture
  await redisCli(
    port,
    NEW,
    [],
    `CONFIG SET requirepass ${OLD}\nACL DELUSER bob\nCONFIG SET masterauth ""\n`,
  );
  const clients = async (): Promise<number> =>
    (await redisCli(port, OLD, ['CLIENT', 'LIST'])).trim().split('\n').length;
  const base = await clients();

  const refused = await looptap(['replay', file, '--target', String(port)], { REDISCLI_AUTH: OLD });
  t.equal(refused.code, 2, refused.err);
  t.match(
    refused.err,
    /^conn 1 #3 ACL SETUSER bob on \[redacted\] ~\* \+@all: redacted; --secret redis\.acl\.bob=VALUE$/m,
  );
  t.match(
    refused.err,
    /^conn 1 #4 CONFIG SET masterauth \[redacted\]: redacted; --secret redis\.masterauth=VALUE$/m,
  );
  t.match(
    refused.err,
    /^conn 1 #5 CONFIG SET requirepass \[redacted\]: redacted; --secret redis\.requirepass=VALUE$/m,
  );
  t.match(
    refused.err,
    /looptap: 3 requests carry a value the capture redacted.*--skip-redacted; nothing was sent/,
  );
  t.notOk(/#1 AUTH/.test(refused.err), 'AUTH is filled from REDISCLI_AUTH');
  t.equal(refused.out, '', 'nothing replayed');
  t.equal(await clients(), base, 'no connection reached the server');
  t.equal(
    (await redisCli(port, OLD, ['PING'])).trim(),
    'PONG',
    'the original password still works',
  );
  t.equal((await redisCli(port, OLD, ['CONFIG', 'GET', 'masterauth'])).split('\n')[1], '');

  const json = await looptap(['replay', file, '--target', String(port), '--json'], {
    REDISCLI_AUTH: OLD,
  });
  t.equal(json.code, 2);
  t.match(jsonLines(json.out), [
    { type: 'redacted', conn: 1, index: 3, hint: '--secret redis.acl.bob=VALUE' },
    { type: 'redacted', index: 4 },
    { type: 'redacted', index: 5, request: 'CONFIG SET requirepass [redacted]' },
  ]);

  const skip = await looptap(['replay', file, '--target', String(port), '--skip-redacted'], {
    REDISCLI_AUTH: OLD,
  });
  t.equal(skip.code, 0, skip.out + skip.err);
  t.match(
    skip.out,
    /^conn 1 #5 left out \(--skip-redacted\): CONFIG SET requirepass \[redacted\]$/m,
  );
  t.match(
    skip.out,
    /replayed 1 connection, 3 requests: 3 same, 0 different; left out 3 redacted requests/,
  );
  t.equal((await redisCli(port, OLD, ['PING'])).trim(), 'PONG', 'the password is unchanged');

  const given = ['GIVEN_pw_1', 'GIVEN_master_2', 'GIVEN_bob_3'];
  const filled = await looptap(
    [
      'replay',
      file,
      '--target',
      String(port),
      '--secret',
      `redis.requirepass=${given[0]}`,
      '--secret',
      `redis.masterauth=${given[1]}`,
      '--secret',
      `redis.acl.bob=>${given[2]}`,
      '--json',
    ],
    { REDISCLI_AUTH: OLD },
  );
  t.equal(filled.code, 0, filled.out + filled.err);
  t.match(jsonLines(filled.out).at(-1), { type: 'summary', requests: 6, same: 6 });
  for (const g of given) t.notOk(filled.out.includes(g), 'a given secret is not printed');
  t.equal(
    (await redisCli(port, given[0]!, ['PING'])).trim(),
    'PONG',
    'the new password is the one given',
  );
  t.equal(
    (await redisCli(port, given[0]!, ['CONFIG', 'GET', 'masterauth'])).split('\n')[1],
    given[1],
  );
  t.equal(
    (await redisCli(port, given[0]!, ['AUTH', 'bob', given[2]!])).trim(),
    'OK',
    'bob has the given password',
  );
});

t.test('redis-cli --pipe: the empty line is no request; binary shown escaped once', async (t) => {
  if (!need(t, REDIS_SERVER, 'redis-server') || !need(t, REDIS_CLI, 'redis-tools')) return;
  const server = await startRedisServer(t, OLD);
  const port = server.port;
  const dir = tempDir(t, 'looptap-replay-pipe-');
  await redisCli(port, OLD, ['--pipe'], 'SET other "\\xce\\xff"\r\n');
  const file = await capture(join(dir, 'pipe.jsonl'), String(port), async (p) => {
    await redisCli(
      p,
      OLD,
      ['--pipe'],
      'SET bin "\\xce\\xff\\x00a"\r\n\r\nGET bin\r\nGET other\r\n',
    );
  });
  // a short timeout: a request with no answer would be a difference, not a slow pass
  const args = ['replay', file, '--target', String(port), '--timeout', '2000'];
  const same = await looptap([...args, '--json'], { REDISCLI_AUTH: OLD });
  t.equal(same.code, 0, same.out + same.err);
  const rows = jsonLines(same.out).filter((r) => r.type === 'comparison');
  t.same(
    rows.map((r) => r.request.split(' ')[0]),
    ['AUTH', 'SET', 'GET', 'GET', 'ECHO'],
    "AUTH, the three commands and --pipe's closing ECHO; no empty request",
  );
  t.equal(rows[1]!.request, 'SET bin "\\xce\\xff\\x00a"', 'binary arguments escaped once');

  await redisCli(port, OLD, ['SET', 'other', 'x']);
  const diff = await looptap(args, { REDISCLI_AUTH: OLD });
  t.equal(diff.code, 1, diff.out + diff.err);
  t.match(diff.out, /^conn 1 #4 redis GET other: different$/m);
  t.ok(diff.out.includes('  $: "\\xce\\xff" -> "x"\n'), diff.out);
  t.match(diff.out, /replayed 1 connection, 5 requests: 4 same, 1 different/);
});
