// The client side of a recorded Redis connection for replay: commands framed by the decoder's
// reader, masked secrets named for --secret and filled in, never resent as masks; inline AUTH
// (whose user is masked too), empty lines, and a --no-redact capture.

import t from 'tap';
import type { Session } from '../../src/replay/load.js';
import type { ReplaySettings } from '../../src/replay/types.js';
import { recordedCommands } from '../../src/replay/redis-commands.js';
import { encodeCommand as encode } from '../../src/decoders/redis/encode.js';

const session = (client: string, redacted: number): Session => ({
  conn: 1,
  start: 0,
  line: 1,
  chunks: [{ from: 'client', bytes: Buffer.from(client, 'latin1'), time: 1, line: 2, redacted }],
  messages: [],
  exchanges: [],
  ended: { client: false, server: false },
  redacted: { client: redacted, server: 0 },
});

const settings = (more: Partial<ReplaySettings> = {}): ReplaySettings => ({
  host: '127.0.0.1',
  port: 1,
  pace: 'fast',
  quietMs: 1,
  timeoutMs: 1,
  ignoreHeaders: [],
  ignoreJsonPaths: [],
  headers: [],
  passwords: {},
  secrets: {},
  skipRedacted: false,
  ...more,
});

const bulk = (...a: string[]): string => encode(a.map((x) => Buffer.from(x))).toString('latin1');

t.test('inline AUTH user pw: both masked, both needed', (t) => {
  const s = session('AUTH *** ******\r\n\r\nGET k\r\n', 9);
  const [auth, get, ...rest] = recordedCommands(s, settings());
  t.equal(rest.length, 0, 'the empty line is no command');
  t.same(auth!.missing, ['redis.user', 'redis.password']);
  t.equal(auth!.text, 'AUTH [redacted] [redacted]');
  t.same(get!.missing, []);
  t.equal(get!.bytes.toString(), 'GET k\r\n', 'sent as recorded, the empty line left out');
  const filled = recordedCommands(s, settings({ user: 'bob', passwords: { redis: 'pw' } }))[0]!;
  t.same(filled.missing, []);
  t.equal(filled.bytes.toString('latin1'), bulk('AUTH', 'bob', 'pw'));
  t.end();
});

t.test('RESP CONFIG SET: filled from --secret, the rest byte for byte', (t) => {
  const s = session(bulk('CONFIG', 'SET', 'requirepass', '****', 'maxclients', '10'), 4);
  t.same(recordedCommands(s, settings())[0]!.missing, ['redis.requirepass']);
  const c = recordedCommands(s, settings({ secrets: { 'redis.requirepass': 'new=pw' } }))[0]!;
  t.equal(
    c.bytes.toString('latin1'),
    bulk('CONFIG', 'SET', 'requirepass', 'new=pw', 'maxclients', '10'),
  );
  t.equal(c.text, 'CONFIG SET requirepass [redacted] maxclients 10', 'the value is not shown');
  t.end();
});

t.test('a --no-redact capture resends what it holds', (t) => {
  const s = session(bulk('CONFIG', 'SET', 'masterauth', 'clear'), 0);
  const c = recordedCommands(s, settings())[0]!;
  t.same(c.missing, []);
  t.equal(c.bytes.toString('latin1'), bulk('CONFIG', 'SET', 'masterauth', 'clear'));
  t.equal(c.text, 'CONFIG SET masterauth [redacted]', 'still not printed');
  t.end();
});

t.test('ACL SETUSER: each masked rule has a name', (t) => {
  const s = session(bulk('ACL', 'SETUSER', 'bob', 'on', '*****', '***', '~*'), 8);
  const c = recordedCommands(s, settings({ secrets: { 'redis.acl.bob': '>one' } }))[0]!;
  t.same(c.missing, ['redis.acl.bob.2']);
  t.end();
});

t.test('MIGRATE AUTH2 and SENTINEL SET auth-pass have names too', (t) => {
  const migrate = session(
    bulk('MIGRATE', 'h', '6380', '', '0', '5000', 'AUTH2', 'u', '****', 'KEYS', 'a'),
    4,
  );
  t.same(recordedCommands(migrate, settings())[0]!.missing, ['redis.migrate.password']);
  const sentinel = session(bulk('SENTINEL', 'SET', 'm', 'auth-pass', '****'), 4);
  t.same(recordedCommands(sentinel, settings())[0]!.missing, ['redis.sentinel.auth-pass']);
  const given = recordedCommands(
    sentinel,
    settings({ secrets: { 'redis.sentinel.auth-pass': 's' } }),
  );
  t.equal(given[0]!.bytes.toString('latin1'), bulk('SENTINEL', 'SET', 'm', 'auth-pass', 's'));
  t.end();
});

t.test('a 2 MB value is resent whole and shown short', (t) => {
  const big = 'v'.repeat(2 * 1024 * 1024);
  const raw = bulk('SET', 'k', big) + bulk('CONFIG', 'SET', 'requirepass', '***');
  const [set, config] = recordedCommands(
    session(raw, 3),
    settings({ secrets: { 'redis.requirepass': 'x' } }),
  );
  t.equal(set!.bytes.toString('latin1'), bulk('SET', 'k', big), 'byte for byte');
  t.match(set!.text, /^SET k v{64}…\(2097152 bytes\)$/);
  t.equal(config!.bytes.toString('latin1'), bulk('CONFIG', 'SET', 'requirepass', 'x'));
  t.end();
});
