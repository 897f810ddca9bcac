// Builders for PostgreSQL protocol frames (like pg-protocol's test-buffers), for synthetic test
// vectors. Spec: https://www.postgresql.org/docs/current/protocol-message-formats.html

import type { Chunk } from './feed.js';
import type { From } from '../../src/events.js';

export const i16 = (n: number): Buffer => {
  const b = Buffer.alloc(2);
  b.writeInt16BE(n);
  return b;
};
export const i32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};
export const cstr = (s: string): Buffer => Buffer.from(s + '\0');

/** a typed message: Byte1 type, Int32 length (including itself), body */
export function msg(type: string, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  return Buffer.concat([Buffer.from(type, 'latin1'), i32(body.length + 4), body]);
}

function untyped(code: number, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  return Buffer.concat([i32(body.length + 8), i32(code), body]);
}

// frontend
export const sslRequest = (): Buffer => untyped(80877103);
export const gssencRequest = (): Buffer => untyped(80877104);
export const cancelRequest = (pid: number, key: Buffer): Buffer => untyped(80877102, i32(pid), key);
export function startup(params: Record<string, string>, version = 0x00030000): Buffer {
  const kv = Object.entries(params).flatMap(([k, v]) => [cstr(k), cstr(v)]);
  return untyped(version, ...kv, Buffer.from([0]));
}
export const query = (sql: string): Buffer => msg('Q', cstr(sql));
export const parse = (name: string, sql: string, types: number[] = []): Buffer =>
  msg('P', cstr(name), cstr(sql), i16(types.length), ...types.map(i32));
export function bind(
  portal: string,
  stmt: string,
  params: Array<string | Buffer | null>,
  formats: number[] = [],
  resultFormats: number[] = [],
): Buffer {
  const vals = params.flatMap((p) =>
    p === null ? [i32(-1)] : [i32(Buffer.byteLength(p)), Buffer.from(p)],
  );
  return msg(
    'B',
    cstr(portal),
    cstr(stmt),
    i16(formats.length),
    ...formats.map(i16),
    i16(params.length),
    ...vals,
    i16(resultFormats.length),
    ...resultFormats.map(i16),
  );
}
export const describe = (kind: 'S' | 'P', name = ''): Buffer =>
  msg('D', Buffer.from(kind), cstr(name));
export const closeMsg = (kind: 'S' | 'P', name = ''): Buffer =>
  msg('C', Buffer.from(kind), cstr(name));
export const execute = (portal = '', maxRows = 0): Buffer => msg('E', cstr(portal), i32(maxRows));
export const sync = (): Buffer => msg('S');
export const flush = (): Buffer => msg('H');
export const terminate = (): Buffer => msg('X');
export const password = (pw: string): Buffer => msg('p', cstr(pw));
export const saslInitial = (mech: string, data: string): Buffer =>
  msg('p', cstr(mech), i32(Buffer.byteLength(data)), Buffer.from(data));
export const saslResponse = (data: string): Buffer => msg('p', Buffer.from(data));
export const copyData = (data: Buffer | string): Buffer => msg('d', Buffer.from(data));
export const copyDone = (): Buffer => msg('c');
export const copyFail = (reason: string): Buffer => msg('f', cstr(reason));

// backend
export const auth = (code: number, extra: Buffer = Buffer.alloc(0)): Buffer =>
  msg('R', i32(code), extra);
export const authSasl = (...mechs: string[]): Buffer =>
  auth(10, Buffer.concat([...mechs.map(cstr), Buffer.from([0])]));
export const paramStatus = (k: string, v: string): Buffer => msg('S', cstr(k), cstr(v));
export const backendKey = (pid: number, key: Buffer): Buffer => msg('K', i32(pid), key);
export const ready = (status: 'I' | 'T' | 'E' = 'I'): Buffer => msg('Z', Buffer.from(status));
export function rowDescription(cols: string[]): Buffer {
  const f = cols.map((c) =>
    Buffer.concat([cstr(c), i32(0), i16(0), i32(25), i16(-1), i32(-1), i16(0)]),
  );
  return msg('T', i16(cols.length), ...f);
}
/** a RowDescription with column types and formats: [name, type oid, format] */
export function rowDescriptionTyped(cols: Array<[string, number, number?]>): Buffer {
  const f = cols.map(([c, oid, format]) =>
    Buffer.concat([cstr(c), i32(0), i16(0), i32(oid), i16(-1), i32(-1), i16(format ?? 0)]),
  );
  return msg('T', i16(cols.length), ...f);
}
export const parameterDescription = (types: number[]): Buffer =>
  msg('t', i16(types.length), ...types.map(i32));
export function dataRow(vals: Array<string | Buffer | null>): Buffer {
  const parts = vals.flatMap((v) =>
    v === null ? [i32(-1)] : [i32(Buffer.byteLength(v)), Buffer.from(v)],
  );
  return msg('D', i16(vals.length), ...parts);
}
export const commandComplete = (tag: string): Buffer => msg('C', cstr(tag));
function fieldsMsg(type: string, f: Record<string, string>): Buffer {
  return msg(
    type,
    ...Object.entries(f).map(([k, v]) => Buffer.concat([Buffer.from(k), cstr(v)])),
    Buffer.from([0]),
  );
}
export const errorResponse = (f: Record<string, string>): Buffer => fieldsMsg('E', f);
export const noticeResponse = (f: Record<string, string>): Buffer => fieldsMsg('N', f);
export const notification = (pid: number, channel: string, payload: string): Buffer =>
  msg('A', i32(pid), cstr(channel), cstr(payload));
export const copyOutResponse = (cols: number): Buffer =>
  msg('H', Buffer.from([0]), i16(cols), ...Array.from({ length: cols }, () => i16(0)));
export const copyInResponse = (cols: number): Buffer =>
  msg('G', Buffer.from([0]), i16(cols), ...Array.from({ length: cols }, () => i16(0)));
export const parseComplete = (): Buffer => msg('1');
export const bindComplete = (): Buffer => msg('2');
export const closeComplete = (): Buffer => msg('3');
export const noData = (): Buffer => msg('n');
export const emptyQuery = (): Buffer => msg('I');
export const portalSuspended = (): Buffer => msg('s');
export const negotiate = (minor: number, unrecognized: string[]): Buffer =>
  msg('v', i32(minor), i32(unrecognized.length), ...unrecognized.map(cstr));

/** a synthetic session: [from, bytes] steps, 1 ms apart, as feed() chunks */
export function session(steps: Array<[From, Buffer | Buffer[]]>, conn = 1): Chunk[] {
  return steps.map(([from, b], i) => ({
    conn,
    from,
    t: 1000 + i,
    bytes: Array.isArray(b) ? Buffer.concat(b) : b,
  }));
}

/** the usual SCRAM-less login a test session starts with (trust auth) */
export function login(user = 'tap'): Array<[From, Buffer | Buffer[]]> {
  return [
    ['client', startup({ user, database: 'tapdb', application_name: 'test' })],
    [
      'server',
      [
        auth(0),
        paramStatus('server_version', '18.4'),
        backendKey(4242, Buffer.from('abcd')),
        ready('I'),
      ],
    ],
  ];
}
