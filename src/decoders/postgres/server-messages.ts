// Server-to-client message bodies parsed into plain values. Stateless; the connection decides
// which of them become messages and which are folded into others (see docs/decoders/postgres.md).

import { AUTH_METHODS, AUTH_NAMES, B, ERROR_FIELDS, LINE_MAX } from './codes.js';
import { Reader } from './reader.js';
import { oneLine } from '../summary-text.js';
import type { Field } from './values.js';

/** Authentication request: code and, for SASL, the offered mechanisms */
export function parseAuth(body: Buffer): { code: number; mechanisms?: string[] } {
  const r = new Reader(body);
  const code = r.i32();
  if (code !== 10) return { code };
  const mechanisms: string[] = [];
  while (!r.bad && r.left > 1 && mechanisms.length < 32) mechanisms.push(r.cstring());
  return { code, mechanisms };
}

const AUTH_SUMMARY: Record<number, string> = {
  0: 'authenticated',
  3: 'cleartext password requested',
  5: 'md5 password requested',
  11: 'SASL challenge',
  12: 'SASL final',
};

/** an Authentication request as a message; the SASL data only with redaction off */
export function authMessage(
  body: Buffer,
  redact: boolean,
): { code: number; message: { name: string; summary: string; fields: Record<string, unknown> } } {
  const a = parseAuth(body);
  const fields: Record<string, unknown> = { method: AUTH_METHODS[a.code] ?? String(a.code) };
  if (a.mechanisms) fields.mechanisms = a.mechanisms;
  if (!redact && (a.code === 11 || a.code === 12)) fields.data = body.toString('utf8', 4);
  const name = AUTH_NAMES[a.code] ?? 'Authentication';
  const summary = a.mechanisms ? `SASL ${a.mechanisms.join(', ')}` : (AUTH_SUMMARY[a.code] ?? name);
  return { code: a.code, message: { name, summary, fields } };
}

/** ErrorResponse / NoticeResponse fields, by name (severity, code, message, detail, ...) */
export function parseErrorFields(body: Buffer, max: number): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  const r = new Reader(body);
  while (!r.bad && r.left > 0) {
    const f = r.u8();
    if (f === 0) break;
    const v = r.cstring();
    const letter = String.fromCharCode(f);
    // 'V' is the non-localized severity: prefer it over 'S'
    const key = letter === 'V' ? 'severity' : ERROR_FIELDS[letter];
    if (!key || (letter === 'S' && out.severity !== undefined)) continue;
    out[key] = key === 'position' ? Number(v) : v.slice(0, max);
  }
  return out;
}

export function errorSummary(e: Record<string, string | number>): string {
  const head = [e.severity, e.code].filter((x) => x !== undefined).join(' ');
  return oneLine(`${head}${head ? ': ' : ''}${String(e.message ?? '')}`, LINE_MAX);
}

/** the columns of a RowDescription (at most 1600, the server's own limit) */
export function parseFields(body: Buffer): Field[] {
  const r = new Reader(body);
  const n = r.i16();
  const cols: Field[] = [];
  for (let i = 0; i < n && i < 1600 && !r.bad; i++) {
    const name = r.cstring();
    r.bytes(6); // table oid, attnum
    const oid = r.i32() >>> 0;
    r.bytes(6); // typlen, typmod
    cols.push({ name, oid, format: r.i16() });
  }
  return cols;
}

/** ParameterDescription: the parameter type OIDs */
export function parseParamTypes(body: Buffer): number[] {
  const r = new Reader(body);
  const n = r.i16();
  const types: number[] = [];
  for (let i = 0; i < n && i < 65535 && !r.bad; i++) types.push(r.i32() >>> 0);
  return types;
}

/** the row count of a command tag (`SELECT 5`, `INSERT 0 5`, `COPY 3`), if it has one */
export function tagRows(tag: string): number | undefined {
  const m = /\s(\d+)$/.exec(tag);
  return m ? Number(m[1]) : undefined;
}

export function parseNotification(
  body: Buffer,
  max: number,
): { pid: number; channel: string; payload: string } {
  const r = new Reader(body);
  const pid = r.i32();
  const channel = r.cstring();
  const payload = r.cstring().slice(0, max);
  return { pid, channel, payload };
}

export function parseParameterStatus(body: Buffer): [string, string] {
  const r = new Reader(body);
  return [r.cstring(), r.cstring()];
}

/** CopyIn/Out/BothResponse: overall format and the number of columns */
export function parseCopyResponse(body: Buffer): { format: 'text' | 'binary'; columns: number } {
  const r = new Reader(body);
  const format = r.u8() === 1 ? 'binary' : 'text';
  return { format, columns: r.i16() };
}

/** NegotiateProtocolVersion: newest minor version the server supports, options it ignored */
export function parseNegotiate(body: Buffer): { minor: number; unrecognized: string[] } {
  const r = new Reader(body);
  const minor = r.i32();
  const n = r.i32();
  const unrecognized: string[] = [];
  for (let i = 0; i < n && i < 100 && !r.bad; i++) unrecognized.push(r.cstring());
  return { minor, unrecognized };
}

type Message = { name: string; summary: string; fields: Record<string, unknown> };

/** NoticeResponse, NotificationResponse, NegotiateProtocolVersion: messages that answer nothing */
export function infoMessage(type: number, body: Buffer, max: number): Message {
  if (type === B.NoticeResponse) {
    const notice = parseErrorFields(body, max);
    return { name: 'NoticeResponse', summary: errorSummary(notice), fields: { notice } };
  }
  if (type === B.NotificationResponse) {
    const n = parseNotification(body, max);
    return {
      name: 'NotificationResponse',
      summary: oneLine(`${n.channel}: ${n.payload}`, LINE_MAX),
      fields: n,
    };
  }
  const v = parseNegotiate(body);
  const ignored = v.unrecognized.length ? `, ignored ${v.unrecognized.join(', ')}` : '';
  return {
    name: 'NegotiateProtocolVersion',
    summary: `server speaks up to 3.${v.minor}${ignored}`,
    fields: { minor: v.minor, unrecognized: v.unrecognized },
  };
}
