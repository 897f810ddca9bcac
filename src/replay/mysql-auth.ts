// Logging in again for a MySQL/MariaDB replay: read the target's HandshakeV10, answer with a
// HandshakeResponse41 for the recorded user and schema, and the password the user gives. The
// recorded auth response cannot be reused: it depends on the server's fresh 20-byte scramble.
// We answer for mysql_native_password; an AuthSwitchRequest to it is answered the same way, and
// caching_sha2_password's fast path (a cached login) works. The encoders and parsers are the
// decoder's (src/decoders/mysql/); this file is the I/O loop.

import { LooptapError } from '../util/errors.js';
import type { Negotiated } from '../decoders/mysql/client-encode.js';
import {
  framePacket,
  handshakeResponse41,
  nativeScramble,
  negotiated,
} from '../decoders/mysql/client-encode.js';
import { CAP, MARIADB_CAP, parseGreeting, type Greeting } from '../decoders/mysql/handshake.js';
import { KEEP_ALL, PacketFramer } from '../decoders/mysql/packets.js';
import type { Wire } from './wire.js';
import { errInfo, type NextPacket } from './mysql-answer.js';

/** The target's packets, framed by the decoder's framer as they arrive; each waits at most
 * `timeoutMs` for its packet to be whole. */
export function wirePackets(wire: Wire, timeoutMs: number): NextPacket {
  const framer = new PacketFramer();
  return async () => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (wire.pending.length) framer.push(wire.take(wire.pending.length), 0);
      const p = framer.next(KEEP_ALL);
      if (p) return p;
      const left = deadline - Date.now();
      if (left <= 0 || (await wire.until((b) => b.length > 0, left)) !== 'done') return undefined;
    }
  };
}

/** the server's greeting, with no name for what a short one lacks */
export function greetingOf(data: Buffer): Greeting | undefined {
  const g = parseGreeting(data, 256);
  return 'why' in g ? undefined : g.greeting;
}

export interface LoginParams {
  user: string;
  schema?: string;
  /** the recorded first 32 bytes: capabilities, max packet, charset, filler (MariaDB caps) */
  fixed: Buffer;
  password: string;
}

/** capabilities we never ask for: the replay speaks plain, uncompressed packets */
const DROP =
  CAP.SSL | CAP.COMPRESS | CAP.ZSTD | CAP.CONNECT_ATTRS | CAP.LOCAL_FILES | CAP.CONNECT_WITH_DB;

/** the recorded login's fixed part with what replay can speak */
function loginFixed(p: LoginParams): Buffer {
  const recorded = p.fixed.readUInt32LE(0);
  const caps =
    ((recorded & ~DROP) |
      CAP.PROTOCOL_41 |
      CAP.SECURE_CONNECTION |
      CAP.PLUGIN_AUTH |
      (p.schema ? CAP.CONNECT_WITH_DB : 0)) >>>
    0;
  const fixed = Buffer.from(p.fixed);
  fixed.writeUInt32LE(caps, 0);
  // MariaDB extended caps: no progress reports (they interleave with answers)
  if (!(caps & CAP.MYSQL)) {
    fixed.writeUInt32LE((fixed.readUInt32LE(28) & ~MARIADB_CAP.PROGRESS) >>> 0, 28);
  }
  return fixed;
}

type Fail = (why: string) => never;

/** the greeting, or a LOGIN_FAILED that says what the target is instead */
async function readGreeting(next: NextPacket, fail: Fail): Promise<Greeting> {
  const greet = await next();
  if (!greet)
    fail('the target closed or went silent before its greeting; is --target a MySQL server?');
  const g = greet.data;
  if (g[0] === 0xff) {
    const e = errInfo(g);
    fail(`the target refused the connection: ${e.message} (${e.code}/${e.state})`);
  }
  const greeting = g[0] === 0x0a ? greetingOf(g) : undefined;
  if (!greeting) fail('the target did not send a MySQL HandshakeV10; is --target a MySQL server?');
  return greeting;
}

/** Logs in; returns what the answers will look like. Throws LOGIN_FAILED (exit 1). */
export async function mysqlLogin(
  wire: Wire,
  next: NextPacket,
  p: LoginParams,
  conn: number,
): Promise<Negotiated> {
  const fail: Fail = (why) => {
    throw new LooptapError('LOGIN_FAILED', `replay connection ${conn}: ${why}`);
  };
  const server = await readGreeting(next, fail);
  const fixed = loginFixed(p);
  const caps = fixed.readUInt32LE(0);
  // we answer for mysql_native_password whatever the greeting named: a server that wants
  // another plugin switches us (and caching_sha2 switches back or takes its fast path)
  const auth = nativeScramble(p.password, server.scramble);
  const login = { fixed, user: p.user, auth, schema: p.schema, plugin: 'mysql_native_password' };
  wire.write(framePacket(handshakeResponse41(login), 1));
  const ext = caps & CAP.MYSQL ? 0 : (fixed.readUInt32LE(28) & server.extCaps) >>> 0;
  for (;;) {
    const m = await next();
    if (!m) fail('the target closed or went silent during login');
    const b = m.data;
    if (b[0] === 0x00) return negotiated((caps & server.caps) >>> 0, ext);
    if (b[0] === 0xff) {
      const e = errInfo(b);
      fail(
        `login as "${p.user}" refused: ${e.message} (${e.code}/${e.state}); check --user, --password / MYSQL_PWD`,
      );
    }
    if (b[0] === 0xfe) {
      const end = b.indexOf(0, 1);
      const name = b.toString('utf8', 1, end === -1 ? b.length : end);
      if (name !== 'mysql_native_password') {
        fail(
          `the target wants authentication plugin ${name}, which looptap cannot replay; use mysql_native_password for the replay user`,
        );
      }
      wire.write(framePacket(nativeScramble(p.password, b.subarray(end + 1)), m.seq + 1));
      continue;
    }
    if (b[0] === 0x01) {
      if (b[1] === 0x03) continue; // caching_sha2_password fast auth succeeded: OK follows
      fail(
        'the target wants caching_sha2_password full authentication (RSA or TLS), which looptap cannot replay; log in once with the mysql client so the password is cached, or use mysql_native_password',
      );
    }
    fail(`unexpected packet 0x${b[0]?.toString(16) ?? '??'} during login`);
  }
}
