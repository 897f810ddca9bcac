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
  for (const [k, v] of Object.entries(e.fields)) if (!RESERVED.has(k)) out[k] = v;
  return out;
}

/** one line, with its newline, as a Buffer ready for the file */
export function toLine(e: CaptureEvent): Buffer {
  if (e.type === 'data') return dataLine(e);
  return Buffer.from(JSON.stringify(toRecord(e)) + '\n', 'utf8');
}

function dataLine(e: DataEvent): Buffer {
  const route = e.route !== undefined ? `,"route":${JSON.stringify(e.route)}` : '';
  const prefix = `{"time":${e.time},"level":${e.level},"msg":"${e.len} bytes from ${e.from}","type":"data"${route},"conn":${e.conn},"from":"${e.from}","seq":${e.seq},"offset":${e.offset},"len":${e.len}${e.redacted ? `,"redacted":${e.redacted}` : ''}${e.truncated ? ',"truncated":true' : ''},"data":"`;
  const b64 = e.bytes.toString('base64');
  const out = Buffer.allocUnsafe(prefix.length + b64.length + 3);
  let pos = out.write(prefix, 0, 'latin1');
  pos += out.write(b64, pos, 'latin1');
  out.write('"}\n', pos, 'latin1');
  return out;
}

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
    if (typeof r.data !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(r.data)) {
      throw new Error('data event without valid base64 "data"');
    }
    if (typeof r.conn !== 'number' || (r.from !== 'client' && r.from !== 'server')) {
      throw new Error('data event without "conn" and "from"');
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
