// Client-side encoders: what a client (replay) sends to log in and ask, the mirror of the parsers
// in handshake.ts and commands.ts, so that one package holds the protocol's codes and shapes.
// Pure: the I/O loop that uses them is in src/replay/mysql-auth.ts.
// mysql_native_password: SHA1(pw) XOR SHA1(scramble + SHA1(SHA1(pw))).

import { createHash } from 'node:crypto';
import { MARIADB_EXTENDED_METADATA } from './columns.js';
import { CAP, MARIADB_CAP } from './handshake.js';
import { MAX_FRAME } from './packets.js';

/** one packet with a 3-byte length and sequence id (payloads of 16 MiB and more are split) */
export function framePacket(payload: Buffer, seq: number): Buffer {
  const parts: Buffer[] = [];
  let pos = 0;
  let s = seq;
  for (;;) {
    const n = Math.min(MAX_FRAME, payload.length - pos);
    const h = Buffer.alloc(4);
    h.writeUIntLE(n, 0, 3);
    h[3] = s++ & 0xff;
    parts.push(h, payload.subarray(pos, pos + n));
    pos += n;
    if (n < MAX_FRAME) return Buffer.concat(parts);
  }
}

const sha1 = (...parts: Buffer[]): Buffer => {
  const h = createHash('sha1');
  for (const p of parts) h.update(p);
  return h.digest();
};

/** the mysql_native_password answer to a 20-byte scramble (empty for an empty password) */
export function nativeScramble(password: string, scramble: Buffer): Buffer {
  if (password === '') return Buffer.alloc(0);
  const stage1 = sha1(Buffer.from(password, 'utf8'));
  const mix = sha1(scramble.subarray(0, 20), sha1(stage1));
  return Buffer.from(stage1.map((b, i) => b ^ mix[i]!));
}

const cstring = (s: string): Buffer => Buffer.concat([Buffer.from(s, 'utf8'), Buffer.alloc(1)]);

function lenenc(n: number): Buffer {
  if (n < 251) return Buffer.from([n]);
  const b = Buffer.alloc(3);
  b[0] = 0xfc;
  b.writeUInt16LE(n, 1);
  return b;
}

export interface LoginFields {
  /** the first 32 bytes: capabilities, max packet, charset, filler (MariaDB's extended caps) */
  fixed: Buffer;
  user: string;
  auth: Buffer;
  schema?: string;
  plugin: string;
}

/** a HandshakeResponse41 payload (to be framed with sequence id 1) */
export function handshakeResponse41(f: LoginFields): Buffer {
  const caps = f.fixed.readUInt32LE(0);
  return Buffer.concat([
    f.fixed,
    cstring(f.user),
    caps & CAP.PLUGIN_AUTH_LENENC ? lenenc(f.auth.length) : Buffer.from([f.auth.length]),
    f.auth,
    f.schema ? cstring(f.schema) : Buffer.alloc(0),
    cstring(f.plugin),
  ]);
}

/** what a login agreed that changes how answers read */
export interface Negotiated {
  deprecateEof: boolean;
  /** MariaDB MARIADB_CLIENT_CACHE_METADATA: EXECUTE answers may leave the columns out */
  cacheMetadata: boolean;
  /** MariaDB MARIADB_CLIENT_EXTENDED_METADATA: column definitions carry extended type info */
  extendedMetadata: boolean;
}

/** `caps`, `extCaps`: what both sides set (MariaDB's extended caps, 0 for MySQL) */
export function negotiated(caps: number, extCaps: number): Negotiated {
  return {
    deprecateEof: (caps & CAP.DEPRECATE_EOF) !== 0,
    cacheMetadata: (extCaps & MARIADB_CAP.CACHE_METADATA) !== 0,
    extendedMetadata: (extCaps & MARIADB_EXTENDED_METADATA) !== 0,
  };
}
