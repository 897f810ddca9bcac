// Builders for synthetic MySQL packets (layouts from the MySQL/MariaDB protocol docs), for the
// vectors that the captured sessions do not cover: MySQL 8 features, huge packets, TLS, errors.

import zlib from 'node:zlib';
import type { Chunk } from './feed.js';

export const CAPS = {
  LONG_PASSWORD: 0x1,
  CONNECT_WITH_DB: 0x8,
  COMPRESS: 0x20,
  LOCAL_FILES: 0x80,
  PROTOCOL_41: 0x200,
  SSL: 0x800,
  TRANSACTIONS: 0x2000,
  SECURE_CONNECTION: 0x8000,
  MULTI_STATEMENTS: 0x10000,
  MULTI_RESULTS: 0x20000,
  PLUGIN_AUTH: 0x80000,
  CONNECT_ATTRS: 0x100000,
  PLUGIN_AUTH_LENENC: 0x200000,
  SESSION_TRACK: 0x800000,
  DEPRECATE_EOF: 0x1000000,
  ZSTD: 0x4000000,
  QUERY_ATTRIBUTES: 0x8000000,
} as const;

/** what a MySQL 8 server and client both offer (no MariaDB extensions: bit 0 set) */
export const BASE_CAPS =
  CAPS.LONG_PASSWORD |
  CAPS.CONNECT_WITH_DB |
  CAPS.PROTOCOL_41 |
  CAPS.TRANSACTIONS |
  CAPS.SECURE_CONNECTION |
  CAPS.MULTI_STATEMENTS |
  CAPS.MULTI_RESULTS |
  CAPS.PLUGIN_AUTH |
  CAPS.PLUGIN_AUTH_LENENC |
  CAPS.LOCAL_FILES;

export const u16 = (n: number): Buffer => {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n);
  return b;
};
export const u32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
};

export function lenenc(n: number): Buffer {
  if (n < 0xfb) return Buffer.from([n]);
  if (n < 0x10000) return Buffer.concat([Buffer.from([0xfc]), u16(n)]);
  if (n < 0x1000000) {
    const b = Buffer.alloc(4);
    b[0] = 0xfd;
    b.writeUIntLE(n, 1, 3);
    return b;
  }
  const b = Buffer.alloc(9);
  b[0] = 0xfe;
  b.writeBigUInt64LE(BigInt(n), 1);
  return b;
}

export const lstr = (s: string | Buffer): Buffer => {
  const b = typeof s === 'string' ? Buffer.from(s) : s;
  return Buffer.concat([lenenc(b.length), b]);
};
export const cstr = (s: string): Buffer => Buffer.concat([Buffer.from(s), Buffer.from([0])]);

/** one packet, split into 0xffffff frames when it is that large */
export function packet(seq: number, payload: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  let s = seq;
  for (;;) {
    const n = Math.min(0xffffff, payload.length - at);
    const h = Buffer.alloc(4);
    h.writeUIntLE(n, 0, 3);
    h[3] = s++ & 0xff;
    parts.push(h, payload.subarray(at, at + n));
    at += n;
    if (n < 0xffffff) break;
  }
  return Buffer.concat(parts);
}

export function greeting(
  opts: { version?: string; caps?: number; plugin?: string; thread?: number } = {},
): Buffer {
  const caps = opts.caps ?? BASE_CAPS;
  return packet(
    0,
    Buffer.concat([
      Buffer.from([0x0a]),
      cstr(opts.version ?? '8.0.36'),
      u32(opts.thread ?? 42),
      Buffer.from('abcdefgh'),
      Buffer.from([0]),
      u16(caps & 0xffff),
      Buffer.from([0xff]),
      u16(2),
      u16(caps >>> 16),
      Buffer.from([21]),
      Buffer.alloc(10),
      Buffer.from('ijklmnopqrst\0'),
      cstr(opts.plugin ?? 'caching_sha2_password'),
    ]),
  );
}

export function login(
  opts: {
    caps?: number;
    user?: string;
    auth?: Buffer;
    db?: string;
    plugin?: string;
    attrs?: Record<string, string>;
    seq?: number;
  } = {},
): Buffer {
  let caps = opts.caps ?? BASE_CAPS;
  if (opts.attrs) caps |= CAPS.CONNECT_ATTRS;
  const auth = opts.auth ?? Buffer.alloc(20, 7);
  const parts = [
    u32(caps),
    u32(0x1000000),
    Buffer.from([0xff]),
    Buffer.alloc(23),
    cstr(opts.user ?? 'app'),
    caps & CAPS.PLUGIN_AUTH_LENENC ? lstr(auth) : Buffer.concat([Buffer.from([auth.length]), auth]),
  ];
  if (caps & CAPS.CONNECT_WITH_DB) parts.push(cstr(opts.db ?? 'appdb'));
  if (caps & CAPS.PLUGIN_AUTH) parts.push(cstr(opts.plugin ?? 'caching_sha2_password'));
  if (opts.attrs) {
    const kv = Buffer.concat(Object.entries(opts.attrs).flatMap(([k, v]) => [lstr(k), lstr(v)]));
    parts.push(lstr(kv));
  }
  return packet(opts.seq ?? 1, Buffer.concat(parts));
}

export function sslRequest(caps = BASE_CAPS | CAPS.SSL): Buffer {
  return packet(
    1,
    Buffer.concat([u32(caps), u32(0x1000000), Buffer.from([0xff]), Buffer.alloc(23)]),
  );
}

export function ok(
  seq: number,
  o: {
    affected?: number;
    insertId?: number;
    status?: number;
    warnings?: number;
    header?: number;
  } = {},
): Buffer {
  return packet(
    seq,
    Buffer.concat([
      Buffer.from([o.header ?? 0]),
      lenenc(o.affected ?? 0),
      lenenc(o.insertId ?? 0),
      u16(o.status ?? 2),
      u16(o.warnings ?? 0),
    ]),
  );
}

export function err(seq: number, code: number, message: string, sqlState?: string): Buffer {
  return packet(
    seq,
    Buffer.concat([
      Buffer.from([0xff]),
      u16(code),
      sqlState ? Buffer.from(`#${sqlState}`) : Buffer.alloc(0),
      Buffer.from(message),
    ]),
  );
}

export const eof = (seq: number, status = 2): Buffer =>
  packet(seq, Buffer.concat([Buffer.from([0xfe]), u16(0), u16(status)]));

export function coldef(seq: number, name: string, type = 0xfd): Buffer {
  return packet(
    seq,
    Buffer.concat([
      lstr('def'),
      lstr('appdb'),
      lstr('t'),
      lstr('t'),
      lstr(name),
      lstr(name),
      Buffer.from([0x0c]),
      u16(33),
      u32(255),
      Buffer.from([type]),
      u16(0),
      Buffer.from([0, 0, 0]),
    ]),
  );
}

export const textRow = (seq: number, values: string[]): Buffer =>
  packet(seq, Buffer.concat(values.map((v) => lstr(v))));

/** a text result set starting at seq 1; `deprecateEof` ends it with an OK (0xfe) packet */
export function resultSet(
  columns: string[],
  rows: string[][],
  o: { deprecateEof?: boolean; status?: number; seq?: number } = {},
): Buffer {
  let seq = o.seq ?? 1;
  const parts = [packet(seq++, lenenc(columns.length))];
  for (const c of columns) parts.push(coldef(seq++, c));
  if (!o.deprecateEof) parts.push(eof(seq++));
  for (const r of rows) parts.push(textRow(seq++, r));
  parts.push(
    o.deprecateEof ? ok(seq, { header: 0xfe, status: o.status ?? 2 }) : eof(seq, o.status ?? 2),
  );
  return Buffer.concat(parts);
}

export const command = (cmd: number, body: Buffer | string): Buffer =>
  packet(0, Buffer.concat([Buffer.from([cmd]), Buffer.from(body)]));

/** wraps bytes in compressed frames: stored (uncomp_len 0) or zlib */
export function compressed(seq: number, payload: Buffer, useZlib: boolean): Buffer {
  const body = useZlib ? zlib.deflateSync(payload) : payload;
  const h = Buffer.alloc(7);
  h.writeUIntLE(body.length, 0, 3);
  h[3] = seq;
  h.writeUIntLE(useZlib ? payload.length : 0, 4, 3);
  return Buffer.concat([h, body]);
}

/** a conversation as Chunks: [from, bytes] pairs, one ms apart */
export function convo(...parts: ['client' | 'server', Buffer][]): Chunk[] {
  return parts.map(([from, bytes], i) => ({ conn: 1, from, t: 1000 + i, bytes }));
}

/** what a MySQL 8 server and client both offer with DEPRECATE_EOF, query attributes, session
 * tracking */
export const CAPS8 = BASE_CAPS | CAPS.DEPRECATE_EOF | CAPS.QUERY_ATTRIBUTES | CAPS.SESSION_TRACK;

/** a MySQL 8 connection (CAPS8) logged in, then `rest` */
export const mysql8 = (...rest: ['client' | 'server', Buffer][]): Chunk[] =>
  convo(
    ['server', greeting({ caps: CAPS8 })],
    ['client', login({ caps: CAPS8 })],
    ['server', ok(2)],
    ...rest,
  );
