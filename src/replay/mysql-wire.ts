// MySQL/MariaDB framing for replay (https://dev.mysql.com/doc/dev/mysql-server/latest/PAGE_PROTOCOL.html):
// packets (int<3> length, int<1> seq, payload; a 0xffffff frame continues in the next one) for
// the captured client and server bytes and for live answers, and the reading of one command's
// whole answer (OK/ERR, a PREPARE_OK with its definitions, or result sets up to the last EOF/OK
// while MORE_RESULTS_EXISTS is set) into the summary we compare.

import { createHash } from 'node:crypto';
import { Reader } from '../decoders/mysql/reader.js';
import { readValue } from '../decoders/mysql/values.js';
import { COM } from '../decoders/mysql/commands.js';

export const MAX_FRAME = 0xffffff;
export const STATUS_MORE_RESULTS = 0x0008;
export const COM_PING = 0x0e;
const COM_SET_OPTION = 0x1b;
/** commands the server never answers */
export const NO_ANSWER = new Set<number>([COM.QUIT, COM.STMT_CLOSE, COM.STMT_SEND_LONG_DATA]);
/** commands whose first 4 payload bytes after the command byte are a statement id */
export const STMT_ID_COMMANDS = new Set<number>([
  COM.STMT_EXECUTE,
  COM.STMT_CLOSE,
  COM.STMT_RESET,
  COM.STMT_SEND_LONG_DATA,
  COM.STMT_FETCH,
]);

export interface Packet {
  seq: number;
  /** the payload, continuation frames joined */
  payload: Buffer;
  /** offset of the first frame in its direction */
  at: number;
  /** offset just past the last frame */
  end: number;
}

/** the next whole packet at `pos`, or undefined when it is not all there yet */
export function nextPacket(b: Buffer, pos: number): Packet | undefined {
  const parts: Buffer[] = [];
  let p = pos;
  let seq = -1;
  for (;;) {
    if (b.length - p < 4) return undefined;
    const len = b.readUIntLE(p, 3);
    if (seq < 0) seq = b[p + 3]!;
    if (p + 4 + len > b.length) return undefined;
    parts.push(b.subarray(p + 4, p + 4 + len));
    p += 4 + len;
    if (len < MAX_FRAME) break;
  }
  const payload = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  return { seq, payload, at: pos, end: p };
}

/** every whole packet of one direction; a packet the capture cut off is left out */
export function packets(b: Buffer): Packet[] {
  const out: Packet[] = [];
  let pos = 0;
  for (;;) {
    const p = nextPacket(b, pos);
    if (!p) return out;
    out.push(p);
    pos = p.end;
  }
}

/** one packet with a 3-byte length and sequence id (payloads >= 16 MiB are split) */
export function frame(payload: Buffer, seq: number): Buffer {
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

export interface ErrInfo {
  code: number;
  state: string;
  message: string;
}

export function errInfo(p: Buffer): ErrInfo {
  const code = p.length >= 3 ? p.readUInt16LE(1) : 0;
  const has = p[3] === 0x23; // '#'
  return {
    code,
    state: has ? p.toString('latin1', 4, 9) : 'HY000',
    message: p.toString('utf8', has ? 9 : 3),
  };
}

/** what one statement produced: the part of the answer that is compared */
export interface MyResult {
  /** OK: affected rows */
  affected?: number;
  columns?: string[];
  rows: number;
  /** sha256 of every row, in order */
  digest: string;
  /** the first rows, to show what changed */
  sample: unknown[][];
  /** error number and SQLSTATE: `1146/42S02` */
  error?: string;
  errorMessage?: string;
  /** COM_STMT_PREPARE: the counts of the prepared statement */
  prepared?: { columns: number; params: number };
  /** not compared: the server's answer varies (COM_STATISTICS) */
  volatile?: boolean;
}

export interface Answer {
  results: MyResult[];
  /** COM_STMT_PREPARE_OK: the server's statement id */
  stmtId?: number;
  /** the answer ended early (connection closed, capture cut off) */
  incomplete?: boolean;
}

export interface Negotiated {
  deprecateEof: boolean;
  /** MariaDB MARIADB_CLIENT_CACHE_METADATA: EXECUTE answers may leave the columns out */
  cacheMetadata: boolean;
}

const SAMPLE_ROWS = 20;

interface Column {
  name: string;
  type: number;
  unsigned: boolean;
}

function columnDef(p: Buffer): Column {
  const r = new Reader(p);
  for (let i = 0; i < 4; i++) r.lenencBytes(); // catalog, schema, table, org_table
  const name = r.lenencBytes().toString('utf8');
  r.lenencBytes(); // org_name
  r.lenenc(); // length of the fixed fields (0x0c)
  r.u16(); // charset
  r.u32(); // column length
  const type = r.u8();
  const flags = r.u16();
  return { name, type, unsigned: (flags & 0x20) !== 0 };
}

function textRow(p: Buffer): unknown[] {
  const r = new Reader(p);
  const out: unknown[] = [];
  while (r.left > 0) {
    const n = r.lenencOrNull();
    out.push(n === null ? null : r.bytes(n).toString('utf8'));
  }
  return out;
}

function binaryRow(p: Buffer, cols: Column[]): unknown[] {
  try {
    const r = new Reader(p);
    r.u8(); // 0x00
    const bitmap = r.bytes((cols.length + 9) >> 3);
    return cols.map((c, i) => {
      const bit = i + 2;
      if (bitmap[bit >> 3]! & (1 << (bit & 7))) return null;
      return readValue(r, c.type, c.unsigned, 200, { truncated: false });
    });
  } catch {
    return [p.toString('hex')];
  }
}

function okFields(p: Buffer): { affected: number; status: number } {
  const r = new Reader(p);
  r.u8();
  const affected = r.lenenc();
  r.lenenc(); // last insert id
  return { affected, status: r.left >= 2 ? r.u16() : 0 };
}

const isEof = (p: Buffer): boolean => p[0] === 0xfe && p.length < 9;

/** Reads the whole answer to command `cmd` from `next` (undefined: no more packets). */
export async function readAnswer(
  cmd: number,
  next: () => Promise<Packet | undefined>,
  neg: Negotiated,
): Promise<Answer> {
  const results: MyResult[] = [];
  const empty = (): MyResult => ({ rows: 0, digest: '', sample: [] });
  const get = async (): Promise<Buffer | undefined> => {
    for (;;) {
      const p = await next();
      // MariaDB progress reports are ERR packets with code 0xffff: not an answer
      if (p && p.payload[0] === 0xff && p.payload.readUInt16LE(1) === 0xffff) continue;
      return p?.payload;
    }
  };
  const error = (p: Buffer): MyResult => {
    const e = errInfo(p);
    return { ...empty(), error: `${e.code}/${e.state}`, errorMessage: e.message };
  };
  const cut = (): Answer => ({ results, incomplete: true });

  if (cmd === COM.STMT_PREPARE) {
    const p = await get();
    if (!p) return cut();
    if (p[0] === 0xff) return { results: [error(p)] };
    const stmtId = p.readUInt32LE(1);
    const columns = p.readUInt16LE(5);
    const params = p.readUInt16LE(7);
    const names: string[] = [];
    for (const [n, keep] of [
      [params, false],
      [columns, true],
    ] as const) {
      for (let i = 0; i < n; i++) {
        const d = await get();
        if (!d) return cut();
        if (keep) names.push(columnDef(d).name);
      }
      if (n > 0 && !neg.deprecateEof && !(await get())) return cut();
    }
    return {
      stmtId,
      results: [{ ...empty(), prepared: { columns, params }, columns: names }],
    };
  }
  if (cmd === 0x09 /* COM_STATISTICS: a line of uptime and counters */) {
    const p = await get();
    if (!p) return cut();
    return { results: [{ ...empty(), volatile: true }] };
  }
  if (cmd === COM.FIELD_LIST) {
    const names: string[] = [];
    for (;;) {
      const p = await get();
      if (!p) return cut();
      if (p[0] === 0xff) return { results: [error(p)] };
      if (isEof(p)) return { results: [{ ...empty(), columns: names }] };
      names.push(columnDef(p).name);
    }
  }

  for (;;) {
    const p = await get();
    if (!p) return cut();
    if (p[0] === 0xff) return { results: [...results, error(p)] };
    if (p[0] === 0x00 && p.length >= 7) {
      const ok = okFields(p);
      results.push({ ...empty(), affected: ok.affected });
      if (ok.status & STATUS_MORE_RESULTS) continue;
      return { results };
    }
    if (cmd === COM_SET_OPTION && isEof(p)) return { results: [{ ...empty(), affected: 0 }] };
    if (p[0] === 0xfb) {
      throw new Error('the server asked for a LOCAL INFILE, which replay does not send');
    }
    // a result set: column count, definitions (+EOF), rows, then EOF or OK (0xfe) or ERR
    const r = new Reader(p);
    const n = r.lenenc();
    const metadata = neg.cacheMetadata && cmd === COM.STMT_EXECUTE ? r.u8() === 1 : true;
    const cols: Column[] = [];
    if (metadata) {
      for (let i = 0; i < n; i++) {
        const d = await get();
        if (!d) return cut();
        cols.push(columnDef(d));
      }
      if (!neg.deprecateEof && !(await get())) return cut();
    }
    const res: MyResult = { ...empty(), columns: metadata ? cols.map((c) => c.name) : undefined };
    const hash = createHash('sha256');
    const binary = cmd === COM.STMT_EXECUTE || cmd === COM.STMT_FETCH;
    for (;;) {
      const row = await get();
      if (!row) return cut();
      if (row[0] === 0xff) {
        res.digest = hash.digest('hex').slice(0, 16);
        return { results: [...results, res, error(row)] };
      }
      if (row[0] === 0xfe && (neg.deprecateEof ? row.length < MAX_FRAME : row.length < 9)) {
        const status = neg.deprecateEof ? okFields(row).status : row.readUInt16LE(3);
        res.digest = hash.digest('hex').slice(0, 16);
        results.push(res);
        if (status & STATUS_MORE_RESULTS) break;
        return { results };
      }
      res.rows++;
      const len = Buffer.alloc(4);
      len.writeUInt32LE(row.length);
      hash.update(len).update(row);
      if (res.sample.length < SAMPLE_ROWS) {
        res.sample.push(binary ? binaryRow(row, cols) : textRow(row));
      }
    }
  }
}

/** an async packet source over recorded packets */
export function fromList(list: Packet[], start = 0): { next: () => Promise<Packet | undefined> } {
  let i = start;
  return { next: () => Promise.resolve(list[i++]) };
}
