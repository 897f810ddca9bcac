// The connection phase: the server's HandshakeV10, the client's HandshakeResponse41 (or the
// 32-byte SSLRequest), and the auth exchange that follows. Auth data is never shown. A packet
// too short for the fields the connection needs is unread (the decoder falls back).

import type { Decoded } from '../decoder.js';
import type { Unread } from './reader.js';
import { Reader, text, unread } from './reader.js';
import { REDACTED } from '../summary-text.js';

export const CAP = {
  MYSQL: 0x1, // CLIENT_LONG_PASSWORD; MariaDB reads a clear bit as "MariaDB extended caps follow"
  CONNECT_WITH_DB: 0x8,
  COMPRESS: 0x20,
  LOCAL_FILES: 0x80,
  PROTOCOL_41: 0x200,
  SSL: 0x800,
  SECURE_CONNECTION: 0x8000,
  MULTI_RESULTS: 0x20000,
  PLUGIN_AUTH: 0x80000,
  CONNECT_ATTRS: 0x100000,
  PLUGIN_AUTH_LENENC: 0x200000,
  SESSION_TRACK: 0x800000,
  DEPRECATE_EOF: 0x1000000,
  OPTIONAL_RESULTSET_METADATA: 0x2000000,
  ZSTD: 0x4000000,
  QUERY_ATTRIBUTES: 0x8000000,
} as const;

/** MariaDB extended capabilities (the upper 32 bits) */
export const MARIADB_CAP = { PROGRESS: 0x1, CACHE_METADATA: 0x10 } as const;

export interface Greeting {
  caps: number;
  extCaps: number;
  mariadb: boolean;
  /** the 20-byte challenge a login answers (parts 1 and 2, without the trailing NUL) */
  scramble: Buffer;
}

export function parseGreeting(
  data: Buffer,
  maxValue: number,
): { msg: Decoded; greeting: Greeting } | Unread {
  const r = new Reader(data);
  r.u8(); // protocol version 10
  const version = text(r.cstring(), 256).value;
  const threadId = r.u32();
  const part1 = r.bytes(8);
  let part2: Buffer = Buffer.alloc(0);
  r.u8();
  let caps = r.u16();
  let authPlugin = '';
  let extCaps = 0;
  let charset: number | undefined;
  if (r.left > 0) {
    charset = r.u8();
    r.u16(); // status
    caps |= r.u16() << 16;
    caps >>>= 0;
    const scrambleLen = r.u8();
    r.bytes(6);
    const ext = r.u32();
    if (!(caps & CAP.MYSQL)) extCaps = ext;
    if (caps & CAP.SECURE_CONNECTION) part2 = r.upTo(Math.max(13, scrambleLen - 8));
    if (caps & CAP.PLUGIN_AUTH) authPlugin = text(r.cstring(), maxValue).value;
  }
  const short = unread(r);
  if (short) return short;
  const mariadb = /mariadb/i.test(version);
  const shown = version.startsWith('5.5.5-') && mariadb ? version.slice(6) : version;
  const tls = caps & CAP.SSL ? ', TLS available' : '';
  return {
    greeting: { caps, extCaps, mariadb, scramble: scrambleOf(part1, part2) },
    msg: {
      from: 'server',
      name: 'HandshakeV10',
      summary: `${shown} (thread ${threadId}${authPlugin ? `, ${authPlugin}` : ''}${tls})`,
      fields: {
        serverVersion: version,
        threadId,
        authPlugin,
        capabilities: caps,
        ...(extCaps ? { mariadbCapabilities: extCaps } : {}),
        ...(charset !== undefined ? { charset } : {}),
      },
    },
  };
}

function scrambleOf(part1: Buffer, part2: Buffer): Buffer {
  const end = part2[part2.length - 1] === 0 ? part2.length - 1 : part2.length;
  return Buffer.concat([part1, part2.subarray(0, end)]);
}

export interface Login {
  caps: number;
  extCaps: number;
  ssl: boolean;
}

/** the fixed part of a HandshakeResponse41 that holds no secret: caps, max packet, charset, filler */
export const LOGIN_FIXED = 32;

export function isSslRequest(data: Buffer, length: number): boolean {
  return length === LOGIN_FIXED && data.length >= 4 && (data.readUInt32LE(0) & CAP.SSL) !== 0;
}

export function parseLogin(
  data: Buffer,
  maxValue: number,
  redact: boolean,
): { msg: Decoded; login: Login } | Unread {
  const r = new Reader(data);
  const caps = r.u32();
  const noCaps = unread(r);
  if (noCaps) return noCaps;
  if (!(caps & CAP.PROTOCOL_41)) return parseLogin320(data, redact);
  r.u32(); // max packet
  const charset = r.u8();
  r.bytes(19);
  const extRaw = r.u32();
  const extCaps = caps & CAP.MYSQL ? 0 : extRaw;
  const user = text(r.cstring(), 256).value;
  let authLen: number;
  if (caps & CAP.PLUGIN_AUTH_LENENC) authLen = r.lenenc();
  else if (caps & CAP.SECURE_CONNECTION) authLen = r.u8();
  else {
    const start = r.pos;
    authLen = r.cstring().length;
    r.pos = start;
  }
  const authStart = r.pos;
  r.upTo(authLen);
  if (!(caps & CAP.PLUGIN_AUTH_LENENC) && !(caps & CAP.SECURE_CONNECTION) && r.left > 0) r.u8();
  const fields: Record<string, unknown> = { user };
  if (caps & CAP.CONNECT_WITH_DB && r.left > 0) fields.schema = text(r.cstring(), 256).value;
  if (caps & CAP.PLUGIN_AUTH && r.left > 0) fields.authPlugin = text(r.cstring(), 256).value;
  if (caps & CAP.CONNECT_ATTRS && r.left > 0) fields.attrs = connectAttrs(r);
  const short = unread(r);
  if (short) return short;
  fields.authData = authShown(data, authStart, authLen, redact);
  fields.capabilities = caps;
  if (extCaps) fields.mariadbCapabilities = extCaps;
  fields.charset = charset;
  const schema = typeof fields.schema === 'string' && fields.schema ? ` db ${fields.schema}` : '';
  const plugin = typeof fields.authPlugin === 'string' ? ` (${fields.authPlugin})` : '';
  return {
    login: { caps, extCaps, ssl: false },
    msg: {
      from: 'client',
      name: 'HandshakeResponse41',
      summary: `login ${user}${schema}${plugin}`,
      fields,
    },
  };
}

/** HandshakeResponse320: int<2> caps, int<3> max packet, user, auth: only the user is shown */
function parseLogin320(data: Buffer, redact: boolean): { msg: Decoded; login: Login } | Unread {
  const r = new Reader(data);
  const caps16 = r.u16();
  r.u24();
  const user = text(r.cstring(), 256).value;
  const authLen = r.rest().length;
  const short = unread(r);
  if (short) return short;
  return {
    login: { caps: caps16, extCaps: 0, ssl: false },
    msg: {
      from: 'client',
      name: 'HandshakeResponse320',
      summary: `login ${user}`,
      fields: {
        user,
        capabilities: caps16,
        authData: authShown(data, r.pos - authLen, authLen, redact),
      },
    },
  };
}

/** the client's connection attributes (at most 64 shown); `r` is left after them */
function connectAttrs(r: Reader): Record<string, string> {
  const attrs: Record<string, string> = {};
  const total = r.lenenc();
  const end = Math.min(r.buf.length, r.pos + total);
  let count = 0;
  while (r.pos < end && count < 64 && !r.bad) {
    const k = text(r.lenencBytes(), 256).value;
    const v = text(r.lenencBytes(), 1024).value;
    if (k !== '__proto__') attrs[k] = v;
    count++;
  }
  r.pos = end;
  return attrs;
}

function authShown(data: Buffer, start: number, len: number, redact: boolean): string {
  if (redact) return len > 0 ? `${REDACTED} (${len} bytes)` : '';
  return data.subarray(start, start + len).toString('hex');
}

/** a server packet during authentication (after the login, before OK/ERR); unread when empty */
export function parseAuthServer(data: Buffer, redact: boolean): Decoded | Unread | undefined {
  const first = data[0];
  const r = new Reader(data);
  r.u8();
  const short = unread(r);
  if (short) return short;
  if (first === 0xfe) {
    const plugin = text(r.cstring(), 256).value;
    const rest = r.rest();
    return {
      from: 'server',
      name: 'AuthSwitchRequest',
      summary: `switch to ${plugin || 'old password auth'}`,
      fields: { authPlugin: plugin, authData: redact ? REDACTED : rest.toString('hex') },
    };
  }
  if (first === 0x01) {
    const rest = r.rest();
    let status = 'data';
    if (rest.length === 1 && rest[0] === 0x03) status = 'fast auth success';
    else if (rest.length === 1 && rest[0] === 0x04) status = 'full authentication required';
    else if (rest.subarray(0, 10).toString('latin1') === '-----BEGIN') status = 'public key';
    return {
      from: 'server',
      name: 'AuthMoreData',
      summary: status,
      fields: {
        status,
        length: rest.length,
        ...(redact || rest.length <= 1 ? {} : { authData: rest.toString('hex') }),
      },
    };
  }
  return undefined;
}

export function authResponseMessage(data: Buffer, length: number, redact: boolean): Decoded {
  let what = 'auth data';
  if (length === 1 && data[0] === 0x02) what = 'public key request';
  return {
    from: 'client',
    name: 'AuthResponse',
    summary: `${what} (${length} bytes)`,
    fields: { length, authData: redact ? REDACTED : data.toString('hex') },
  };
}

export const TLS_HINT =
  'TLS from here on: connect with --ssl-mode=DISABLED (or --skip-ssl), or run looptap with --strip-tls, to see queries';

/** the client asked for TLS (SSLRequest): what follows cannot be read */
export function tlsMessage(): Decoded {
  return { from: 'client', name: 'tls', summary: TLS_HINT, fields: { via: 'SSLRequest' } };
}
