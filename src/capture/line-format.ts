// Events <-> JSON lines (docs/capture-format.md). Data lines are built by hand: base64 never needs
// JSON escaping, and a generic serializer's escaping pass over the payload was the biggest cost of
// payload logging (research/performance.md: 6.35 vs 2.65 CPU-s/GB). Every line is a pino line.

import type { CaptureEvent, DataEvent, MessageEvent } from '../events.js';

const RESERVED = new Set([
  'type',
  'time',
  'level',
  'msg',
  'conn',
  'from',
  'protocol',
  'name',
  'route',
  'latencyMs',
]);

/** the object written to disk for an event (everything but data events) */
export function toRecord(e: CaptureEvent): Record<string, unknown> {
  if (e.type === 'message') return messageRecord(e);
  if (e.type === 'data') {
    const { bytes, ...rest } = e;
    return { ...rest, data: bytes.toString('base64') };
  }
  return e as unknown as Record<string, unknown>;
}

function messageRecord(e: MessageEvent): Record<string, unknown> {
  const out: Record<string, unknown> = {
    time: e.time,
    level: e.level,
    msg: e.msg,
    type: 'message',
  };
  if (e.route !== undefined) out.route = e.route;
  out.conn = e.conn;
  out.from = e.from;
  out.protocol = e.protocol;
  out.name = e.name;
  if (e.latencyMs !== undefined) out.latencyMs = e.latencyMs;
  for (const [k, v] of Object.entries(e.fields)) {
    if (RESERVED.has(k)) continue;
    // a field read back from a capture may be named __proto__: assigning it would set the
    // prototype and lose the field. (Integer-like names still move to the front, as in any JS
    // object; the hand-built line keeps them in place. No decoder uses such names.)
    if (k === '__proto__') Object.defineProperty(out, k, { value: v, enumerable: true });
    else out[k] = v;
  }
  return out;
}

/** one line, with its newline, as a Buffer ready for the file */
export function toLine(e: CaptureEvent): Buffer {
  if (e.type === 'data') return dataLine(e);
  return Buffer.from(lineText(e), 'utf8');
}

/** one line, with its newline, as text (every event but data events, whose payload is written
 * as bytes: see dataHead) */
export function lineText(e: CaptureEvent): string {
  if (e.type === 'message') return messageLine(e);
  return JSON.stringify(toRecord(e)) + '\n';
}

/** printable ASCII but `"` and `\`: what JSON.stringify writes as it is */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** a value as JSON the way JSON.stringify writes it inside an object; undefined: leave it out.
 * A plain string is quoted here: the regex test is cheaper than a call into JSON.stringify, and
 * strings are most of a message line (60 ns a field, measured). */
function json(v: unknown): string | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : 'null';
  if (typeof v === 'string' && PLAIN.test(v)) return '"' + v + '"';
  return JSON.stringify(v);
}

/** `,"key":` for the keys decoders use, escaped once; bounded in case keys are unbounded */
const KEY_CACHE = new Map<string, string>();
const KEY_CACHE_MAX = 4096;
function keyPrefix(k: string): string {
  let p = KEY_CACHE.get(k);
  if (p === undefined) {
    p = `,${JSON.stringify(k)}:`;
    if (KEY_CACHE.size < KEY_CACHE_MAX) KEY_CACHE.set(k, p);
  }
  return p;
}

/** Message lines by hand: the same fields, order and values as JSON.stringify(messageRecord(e)),
 * without the intermediate record and Object.entries arrays. */
function messageLine(e: MessageEvent): string {
  let s = '{';
  let v: string | undefined;
  let sep = '';
  if ((v = json(e.time)) !== undefined) {
    s += '"time":' + v;
    sep = ',';
  }
  if ((v = json(e.level)) !== undefined) {
    s += sep + '"level":' + v;
    sep = ',';
  }
  if ((v = json(e.msg)) !== undefined) {
    s += sep + '"msg":' + v;
    sep = ',';
  }
  s += sep + '"type":"message"';
  if (e.route !== undefined) s += ',"route":' + JSON.stringify(e.route);
  if ((v = json(e.conn)) !== undefined) s += ',"conn":' + v;
  if ((v = json(e.from)) !== undefined) s += ',"from":' + v;
  if ((v = json(e.protocol)) !== undefined) s += ',"protocol":' + v;
  if ((v = json(e.name)) !== undefined) s += ',"name":' + v;
  if (e.latencyMs !== undefined && (v = json(e.latencyMs)) !== undefined) s += ',"latencyMs":' + v;
  const f = e.fields;
  for (const k in f) {
    if (!Object.prototype.hasOwnProperty.call(f, k) || RESERVED.has(k)) continue;
    if ((v = json(f[k])) !== undefined) s += keyPrefix(k) + v;
  }
  return s + '}\n';
}

/** "N bytes from client", made once per length for the usual chunk sizes */
const DATA_MSG_CACHED = 16 * 1024;
const dataMsgs: Record<string, string[]> = { client: [], server: [] };
export function dataMsg(len: number, from: string): string {
  const list = dataMsgs[from];
  if (list === undefined || len >= DATA_MSG_CACHED || !(len >= 0))
    return `${len} bytes from ${from}`;
  return (list[len] ??= `${len} bytes from ${from}`);
}

/** a data line up to the opening quote of its base64 payload; the line goes on with the base64
 * of `bytes` and `"}\n`. Non-ASCII is possible only in a route name (write it as UTF-8). */
export function dataHead(e: DataEvent): string {
  const route = e.route !== undefined ? `,"route":${JSON.stringify(e.route)}` : '';
  return `{"time":${e.time},"level":${e.level},"msg":"${dataMsg(e.len, e.from)}","type":"data"${route},"conn":${e.conn},"from":"${e.from}","seq":${e.seq},"offset":${e.offset},"len":${e.len}${e.redacted ? `,"redacted":${e.redacted}` : ''}${e.truncated ? ',"truncated":true' : ''},"data":"`;
}

/** A format-2 data line: the payload is in the capture's payload file at byte `at` (docs/
 * capture-format.md); `stored` says how many bytes are there when --max-payload cut the chunk. */
export function dataRefLine(e: DataEvent, at: number): string {
  const head = dataHead(e);
  const stored = e.truncated ? `,"stored":${e.bytes.length}` : '';
  // dataHead ends with `,"data":"`: replace that tail by the reference
  return head.slice(0, head.length - DATA_TAIL.length) + `${stored},"at":${at}}\n`;
}
const DATA_TAIL = ',"data":"';

function dataLine(e: DataEvent): Buffer {
  const head = dataHead(e);
  const b64 = e.bytes.toString('base64');
  const out = Buffer.allocUnsafe(Buffer.byteLength(head, 'utf8') + b64.length + 3);
  let pos = out.write(head, 0, 'utf8');
  pos += out.write(b64, pos, 'latin1');
  out.write('"}\n', pos, 'latin1');
  return out;
}

const B64 = Buffer.from(
  'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/',
  'latin1',
);

/** Writes the base64 of `src` into `dst` at `pos` (dst must have 4*ceil(len/3) bytes free);
 * returns the new position. Plain JS: for the small chunks of request/response traffic, this is
 * cheaper than a native toString('base64') plus a copy of the string. */
export function base64Into(src: Uint8Array, dst: Uint8Array, pos: number): number {
  const n = src.length;
  const full = n - (n % 3);
  let i = 0;
  while (i < full) {
    const x = (src[i]! << 16) | (src[i + 1]! << 8) | src[i + 2]!;
    dst[pos] = B64[x >>> 18]!;
    dst[pos + 1] = B64[(x >>> 12) & 63]!;
    dst[pos + 2] = B64[(x >>> 6) & 63]!;
    dst[pos + 3] = B64[x & 63]!;
    pos += 4;
    i += 3;
  }
  const rest = n - full;
  if (rest === 1) {
    const x = src[i]!;
    dst[pos] = B64[x >>> 2]!;
    dst[pos + 1] = B64[(x & 3) << 4]!;
    dst[pos + 2] = 0x3d;
    dst[pos + 3] = 0x3d;
    pos += 4;
  } else if (rest === 2) {
    const x = (src[i]! << 8) | src[i + 1]!;
    dst[pos] = B64[x >>> 10]!;
    dst[pos + 1] = B64[(x >>> 4) & 63]!;
    dst[pos + 2] = B64[(x & 15) << 2]!;
    dst[pos + 3] = 0x3d;
    pos += 4;
  }
  return pos;
}

/** A format-2 data event whose bytes are still in the payload file: `bytes` is empty and
 * `at`/`stored` say where they are; the reader (PayloadFile) fills them in. */
export interface PayloadRef {
  at: number;
  stored: number;
}

export const payloadOf = (e: DataEvent): PayloadRef | undefined =>
  (e as DataEvent & { ref?: PayloadRef }).ref;

function payloadRef(r: Record<string, unknown>): CaptureEvent {
  const len = r.len;
  const stored = r.truncated === true ? r.stored : len;
  if (
    typeof len !== 'number' ||
    typeof stored !== 'number' ||
    !(stored >= 0) ||
    !((r.at as number) >= 0)
  ) {
    throw new Error('data event with a payload reference but no valid "len"/"stored"');
  }
  const { at, stored: _s, ...rest } = r;
  const ref: PayloadRef = { at: at as number, stored };
  return { ...(rest as object), bytes: EMPTY, len, ref } as unknown as DataEvent;
}
const EMPTY = Buffer.alloc(0);

/** Parses one line back into an event. Throws a plain Error with the reason; the reader adds
 * the file and line number. Unknown types come back as they are (readers ignore them). */
export function fromLine(line: string): CaptureEvent {
  let o: unknown;
  try {
    o = JSON.parse(line);
  } catch (err) {
    throw new Error(`not JSON (${(err as Error).message})`, { cause: err });
  }
  if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new Error('not a JSON object');
  const r = o as Record<string, unknown>;
  if (typeof r.type !== 'string') throw new Error('no "type" field');
  if (r.type === 'data') {
    if (typeof r.conn !== 'number' || (r.from !== 'client' && r.from !== 'server')) {
      throw new Error('data event without "conn" and "from"');
    }
    if (typeof r.at === 'number' && r.data === undefined) return payloadRef(r);
    if (typeof r.data !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(r.data)) {
      throw new Error('data event without valid base64 "data"');
    }
    const { data: _data, ...rest } = r;
    const bytes = Buffer.from(r.data, 'base64');
    // a truncated chunk keeps its original length; the bytes are only the first ones
    const len = r.truncated === true && typeof r.len === 'number' ? r.len : bytes.length;
    return { ...(rest as object), bytes, len } as DataEvent;
  }
  if (r.type === 'message') {
    const { time, level, msg, type, route, conn, from, protocol, name, latencyMs, ...fields } = r;
    return {
      time,
      level,
      msg,
      type,
      ...(route !== undefined ? { route } : {}),
      conn,
      from,
      protocol,
      name,
      ...(latencyMs !== undefined ? { latencyMs } : {}),
      fields,
    } as MessageEvent;
  }
  return r as unknown as CaptureEvent;
}
