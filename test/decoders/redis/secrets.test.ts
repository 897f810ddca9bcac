// Canary tests for Redis redaction: AUTH (one and two arguments, RESP and inline), HELLO ... AUTH,
// CONFIG SET requirepass/masterauth, MIGRATE AUTH/AUTH2, ACL SETUSER >pw #hash, and CONFIG GET
// replies. The canary must be in no message and in none of the bytes the relay writes, whatever
// the chunk borders (every split point, one byte at a time); with redact=false it shows.

import t from 'tap';
import { redis } from '../../../src/decoders/redis/index.js';
import { feed, oneByte } from '../../helpers/feed.js';
import { leaks, splitChunk } from '../../helpers/redis-canary.js';
import { cmd, convo } from '../../helpers/redis-frames.js';

const SECRET = 'c4n4ry-Pw-7f3e9';
const HASH = 'a'.repeat(8) + 'c4n4ryHash' + 'b'.repeat(8);
const C = 'client' as const;
const S = 'server' as const;

const cases: [string, ReturnType<typeof convo>, string[]][] = [
  ['AUTH pw', convo([C, cmd('AUTH', SECRET)], [S, '+OK\r\n']), ['AUTH', '[redacted]']],
  [
    'AUTH user pw',
    convo([C, cmd('auth', 'bob', SECRET)], [S, '+OK\r\n']),
    ['auth', 'bob', '[redacted]'],
  ],
  [
    'inline AUTH pw',
    convo([C, `AUTH ${SECRET}\r\nPING\r\n`], [S, '+OK\r\n+PONG\r\n']),
    ['AUTH', '[redacted]'],
  ],
  [
    'inline AUTH "pw" quoted',
    convo([C, `auth bob "${SECRET}"\n`]),
    ['auth', '[redacted]', '[redacted]'],
  ],
  [
    'HELLO 3 AUTH user pw SETNAME',
    convo(
      [C, cmd('HELLO', '3', 'AUTH', 'default', SECRET, 'SETNAME', 'app')],
      [S, '%1\r\n$5\r\nproto\r\n:3\r\n'],
    ),
    ['HELLO', '3', 'AUTH', 'default', '[redacted]', 'SETNAME', 'app'],
  ],
  [
    'inline HELLO AUTH',
    convo([C, `HELLO 2 AUTH default ${SECRET}\r\n`]),
    ['HELLO', '2', 'AUTH', 'default', '[redacted]'],
  ],
  [
    'CONFIG SET requirepass',
    convo([C, cmd('CONFIG', 'SET', 'maxmemory', '1mb', 'requirepass', SECRET)], [S, '+OK\r\n']),
    ['CONFIG', 'SET', 'maxmemory', '1mb', 'requirepass', '[redacted]'],
  ],
  [
    'inline CONFIG SET masterauth',
    convo([C, `config set masterauth ${SECRET}\r\n`]),
    ['config', 'set', 'masterauth', '[redacted]'],
  ],
  [
    'MIGRATE AUTH',
    convo([
      C,
      cmd('MIGRATE', 'h', '6380', '', '0', '5000', 'COPY', 'AUTH', SECRET, 'KEYS', 'auth', 'x'),
    ]),
    ['MIGRATE', 'h', '6380', '', '0', '5000', 'COPY', 'AUTH', '[redacted]', 'KEYS', 'auth', 'x'],
  ],
  [
    'MIGRATE AUTH2',
    convo([C, cmd('MIGRATE', 'h', '6380', 'k', '0', '5000', 'AUTH2', 'bob', SECRET)]),
    ['MIGRATE', 'h', '6380', 'k', '0', '5000', 'AUTH2', 'bob', '[redacted]'],
  ],
  [
    'ACL SETUSER rules',
    convo(
      [C, cmd('ACL', 'SETUSER', 'bob', 'on', `>${SECRET}`, '~*', `#${HASH}`, '+@all')],
      [S, '+OK\r\n'],
    ),
    ['ACL', 'SETUSER', 'bob', 'on', '[redacted]', '~*', '[redacted]', '+@all'],
  ],
  [
    'inline ACL SETUSER',
    convo([C, `ACL SETUSER bob on ">${SECRET}" <${SECRET}\r\n`]),
    ['ACL', 'SETUSER', 'bob', 'on', '[redacted]', '[redacted]'],
  ],
];

t.test('secret arguments are redacted and masked at every split point', async (t) => {
  for (const [name, chunks, command] of cases) {
    await t.test(name, (t) => {
      const r = feed(redis, chunks);
      t.equal(r.fallback, undefined, 'no fallback');
      t.same(r.messages[0]!.fields.command, command, 'command with [redacted]');
      t.ok(r.masks.length > 0, 'masks reported');
      t.same(leaks(redis, chunks, SECRET), [], 'as captured');
      t.same(
        leaks(
          redis,
          chunks.flatMap((c) => oneByte(c.bytes).map((b) => ({ ...c, bytes: b }))),
          SECRET,
        ),
        [],
        'one byte at a time',
      );
      const bad: number[] = [];
      chunks.forEach((c, i) => {
        for (let at = 1; at < c.bytes.length; at++) {
          if (leaks(redis, splitChunk(chunks, i, at), SECRET).length > 0) bad.push(at);
        }
      });
      t.same(bad, [], 'no leak at any split point');
      if (name.includes('ACL'))
        t.same(leaks(redis, chunks, HASH.slice(0, 18)), [], 'hash rule masked too');
      const open = leaks(redis, chunks, SECRET, false);
      t.ok(
        open.some((l) => l.where === 'messages'),
        'redact=false shows the secret',
      );
      t.end();
    });
  }
});

t.test('CONFIG GET replies: secret values masked in RESP2 and RESP3', (t) => {
  for (const [label, reply] of [
    [
      'RESP2',
      `*4\r\n$11\r\nrequirepass\r\n$${SECRET.length}\r\n${SECRET}\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n`,
    ],
    [
      'RESP3',
      `%2\r\n$10\r\nmasterauth\r\n$${SECRET.length}\r\n${SECRET}\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n`,
    ],
  ]) {
    const chunks = convo([C, cmd('CONFIG', 'GET', '*')], [S, reply!]);
    const r = feed(redis, chunks);
    const json = r.messages[1]!.fields.reply as Record<string, unknown> | unknown[];
    t.same(
      Array.isArray(json) ? json[1] : Object.values(json)[0],
      '[redacted]',
      `${label} value redacted`,
    );
    t.same(leaks(redis, chunks, SECRET), [], `${label} as captured`);
    const bad: number[] = [];
    for (let at = 1; at < chunks[1]!.bytes.length; at++) {
      if (leaks(redis, splitChunk(chunks, 1, at), SECRET).length > 0) bad.push(at);
    }
    t.same(bad, [], `${label} at every split point`);
  }
  t.end();
});

t.test('nothing else is masked', (t) => {
  const r = feed(
    redis,
    convo(
      [C, cmd('SET', 'auth', 'requirepass')],
      [C, 'GET auth\r\n'],
      [C, cmd('CONFIG', 'GET', 'requirepass')],
    ),
  );
  t.same(r.masks, []);
  t.end();
});
