// Logging in again for a MySQL/MariaDB replay: read the target's HandshakeV10, answer with a
// HandshakeResponse41 for the recorded user and schema, and the password the user gives. The
// recorded auth response cannot be reused: it depends on the server's fresh 20-byte scramble.
// mysql_native_password: SHA1(pw) XOR SHA1(scramble + SHA1(SHA1(pw))); an AuthSwitchRequest to
// it is answered the same way, and caching_sha2_password's fast path (a cached login) works.

import { createHash } from 'node:crypto';
import { LooptapError } from '../util/errors.js';
import { CAP, MARIADB_CAP } from '../decoders/mysql/handshake.js';
import type { Wire } from './wire.js';
import { errInfo, frame, nextPacket, type Negotiated, type Packet } from './mysql-wire.js';

export async function readPacket(wire: Wire, timeoutMs: number): Promise<Packet | undefined> {
  await wire.until((p) => nextPacket(p, 0) !== undefined, timeoutMs);
  const p = nextPacket(wire.pending, 0);
  if (!p) return undefined;
  wire.take(p.end);
  return p;
}

const sha1 = (...parts: Buffer[]): Buffer => {
  const h = createHash('sha1');
  for (const p of parts) h.update(p);
  return h.digest();
};

export function nativeScramble(password: string, scramble: Buffer): Buffer {
  if (password === '') return Buffer.alloc(0);
  const stage1 = sha1(Buffer.from(password, 'utf8'));
  const mix = sha1(scramble.subarray(0, 20), sha1(stage1));
  return Buffer.from(stage1.map((b, i) => b ^ mix[i]!));
}

function cstring(s: string): Buffer {
  return Buffer.concat([Buffer.from(s, 'utf8'), Buffer.alloc(1)]);
}

function lenenc(n: number): Buffer {
  if (n < 251) return Buffer.from([n]);
  const b = Buffer.alloc(3);
  b[0] = 0xfc;
  b.writeUInt16LE(n, 1);
  return b;
}

/** the parts of a HandshakeV10 that the login needs */
export function greeting(g: Buffer): { caps: number; ext: number; scramble: Buffer } {
  let pos = g.indexOf(0, 1) + 1; // server version
  pos += 4; // thread id
  const part1 = g.subarray(pos, pos + 8);
  pos += 9;
  let caps = g.readUInt16LE(pos);
  pos += 2;
  let part2: Buffer = Buffer.alloc(0);
  let ext = 0;
  if (pos < g.length) {
    pos += 3; // charset, status
    caps = (caps | (g.readUInt16LE(pos) << 16)) >>> 0;
    pos += 2;
    const scrambleLen = g[pos]!;
    pos += 7;
    if (!(caps & CAP.MYSQL)) ext = g.readUInt32LE(pos);
    pos += 4;
    part2 = g.subarray(pos, pos + Math.max(13, scrambleLen - 8));
  }
  if (part2[part2.length - 1] === 0) part2 = part2.subarray(0, -1);
  return { caps, ext, scramble: Buffer.concat([part1, part2]) };
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

/** Logs in; returns what the answers will look like. Throws LOGIN_FAILED (exit 1). */
export async function mysqlLogin(
  wire: Wire,
  p: LoginParams,
  timeoutMs: number,
  conn: number,
): Promise<Negotiated> {
  const fail = (why: string): never => {
    throw new LooptapError('LOGIN_FAILED', `replay connection ${conn}: ${why}`);
  };
  const greet = await readPacket(wire, timeoutMs);
  if (!greet)
    fail('the target closed or went silent before its greeting; is --target a MySQL server?');
  const g = greet!.payload;
  if (g[0] === 0xff) {
    const e = errInfo(g);
    fail(`the target refused the connection: ${e.message} (${e.code}/${e.state})`);
  }
  if (g[0] !== 0x0a)
    fail('the target did not send a MySQL HandshakeV10; is --target a MySQL server?');
  const { caps: serverCaps, ext: serverExt, scramble } = greeting(g);

  const recorded = p.fixed.readUInt32LE(0);
  let caps =
    (recorded & ~DROP) |
    CAP.PROTOCOL_41 |
    CAP.SECURE_CONNECTION |
    CAP.PLUGIN_AUTH |
    (p.schema ? CAP.CONNECT_WITH_DB : 0);
  caps >>>= 0;
  const fixed = Buffer.from(p.fixed);
  fixed.writeUInt32LE(caps, 0);
  // MariaDB extended caps: no progress reports (they interleave with answers)
  if (!(caps & CAP.MYSQL)) {
    fixed.writeUInt32LE((fixed.readUInt32LE(28) & ~MARIADB_CAP.PROGRESS) >>> 0, 28);
  }
  // we answer for mysql_native_password whatever the greeting named: a server that wants
  // another plugin switches us (and caching_sha2 switches back or takes its fast path)
  const auth = nativeScramble(p.password, scramble);
  wire.write(
    frame(
      Buffer.concat([
        fixed,
        cstring(p.user),
        caps & CAP.PLUGIN_AUTH_LENENC ? lenenc(auth.length) : Buffer.from([auth.length]),
        auth,
        p.schema ? cstring(p.schema) : Buffer.alloc(0),
        cstring('mysql_native_password'),
      ]),
      1,
    ),
  );
  const neg = (caps & serverCaps) >>> 0;
  const ext = caps & CAP.MYSQL ? 0 : (fixed.readUInt32LE(28) & serverExt) >>> 0;
  for (;;) {
    const m = await readPacket(wire, timeoutMs);
    if (!m) fail('the target closed or went silent during login');
    const b = m!.payload;
    if (b[0] === 0x00) {
      return {
        deprecateEof: (neg & CAP.DEPRECATE_EOF) !== 0,
        cacheMetadata: (ext & MARIADB_CAP.CACHE_METADATA) !== 0,
      };
    }
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
      wire.write(frame(nativeScramble(p.password, b.subarray(end + 1)), m!.seq + 1));
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
