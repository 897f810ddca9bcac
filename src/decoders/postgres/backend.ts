// Server-to-client message bodies parsed into plain values. Stateless; the connection decides
// which of them become messages and which are folded into others (see docs/decoders/postgres.md).

import { ERROR_FIELDS } from './codes.js';
import { Reader, oneLine } from './reader.js';

/** Authentication request: code and, for SASL, the offered mechanisms */
export function parseAuth(body: Buffer): { code: number; mechanisms?: string[] } {
  const r = new Reader(body);
  const code = r.i32();
  if (code !== 10) return { code };
  const mechanisms: string[] = [];
  while (!r.bad && r.left > 1 && mechanisms.length < 32) mechanisms.push(r.cstring());
  return { code, mechanisms };
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
  return oneLine(`${head}${head ? ': ' : ''}${String(e.message ?? '')}`);
}

/** column names of a RowDescription (at most 1600, the server's own limit) */
export function parseRowDescription(body: Buffer): string[] {
  const r = new Reader(body);
  const n = r.i16();
  const cols: string[] = [];
  for (let i = 0; i < n && i < 1600 && !r.bad; i++) {
    cols.push(r.cstring());
    r.bytes(18); // table oid, attnum, type oid, typlen, typmod, format
  }
  return cols;
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
