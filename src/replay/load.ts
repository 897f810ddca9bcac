// Capture file -> one Session per connection: the bytes each side sent, in order, with the time
// and line of every chunk, plus what the decoders said about the connection. Replay reads only
// capture files (never live relay objects), and everything here is checked before a single byte
// is sent: a broken capture stops with file:line and exit 2.
//
//   readCapture(file) ──▶ open / data / message / end / close / gap ──▶ Map<conn, Session>

import type { From, MessageEvent, ProtocolName } from '../events.js';
import { readCapture, CaptureReadError } from '../capture/reader.js';

export interface Chunk {
  from: From;
  bytes: Buffer;
  time: number;
  /** line in the capture file (events are one per line; readers skip only blank lines) */
  line: number;
  /** bytes masked by redaction in this chunk */
  redacted: number;
}

export interface Session {
  conn: number;
  /** time of the open event (or first event seen) */
  start: number;
  line: number;
  chunks: Chunk[];
  /** the protocol the decoders recognised, when any */
  protocol?: ProtocolName;
  messages: MessageEvent[];
  ended: { client: boolean; server: boolean };
  /** close reason; absent when the capture stopped while the connection was open */
  closed?: string;
  /** bytes masked by redaction, per direction */
  redacted: { client: number; server: number };
  route?: string;
  /** the decoder gave up on this connection: replay it as raw TCP turns */
  fallback?: boolean;
  /** bytes the capture lost (a gap event): the connection cannot be resent */
  gap?: { line: number; why: string };
}

export interface Capture {
  file: string;
  sessions: Map<number, Session>;
  /** time of the first event after the header */
  start: number;
}

export async function loadCapture(file: string): Promise<Capture> {
  const sessions = new Map<number, Session>();
  const offsets = new Map<string, number>();
  let line = 0;
  let start = 0;
  const session = (conn: number, time: number): Session => {
    let s = sessions.get(conn);
    if (!s) {
      s = {
        conn,
        start: time,
        line,
        chunks: [],
        messages: [],
        ended: { client: false, server: false },
        redacted: { client: 0, server: 0 },
      };
      sessions.set(conn, s);
    }
    return s;
  };
  const bad = (why: string): never => {
    throw new CaptureReadError(file, line, why);
  };
  for await (const e of readCapture(file)) {
    line++;
    if (e.type === 'header') continue;
    const time = typeof e.time === 'number' ? e.time : bad('event without a numeric "time"');
    if (start === 0) start = time;
    const conn = (e as { conn?: unknown }).conn;
    if (conn === undefined) continue;
    if (typeof conn !== 'number' || !Number.isInteger(conn)) bad('"conn" is not an integer');
    const id = conn as number;
    switch (e.type) {
      case 'open':
        if (sessions.has(id)) bad(`connection ${id} opens twice: two captures glued together?`);
        session(id, time).route = e.route;
        break;
      case 'data': {
        const s = session(id, time);
        const key = `${id}/${e.from}`;
        const expected = offsets.get(key) ?? 0;
        if (typeof e.offset === 'number' && e.offset !== expected) {
          s.gap ??= {
            line,
            why: `connection ${id} ${e.from} bytes jump from offset ${expected} to ${e.offset}: the capture lost data; leave the connection out with --conn`,
          };
        }
        offsets.set(key, expected + e.bytes.length);
        const redacted = typeof e.redacted === 'number' ? e.redacted : 0;
        s.redacted[e.from] += redacted;
        s.chunks.push({ from: e.from, bytes: e.bytes, time, line, redacted });
        break;
      }
      case 'message': {
        const s = session(id, time);
        s.messages.push(e);
        s.protocol ??= e.protocol;
        break;
      }
      case 'error':
        if (e.code === 'DECODE_FALLBACK') session(id, time).fallback = true;
        break;
      case 'end':
        session(id, time).ended[e.from] = true;
        break;
      case 'close':
        session(id, time).closed = e.reason;
        break;
      case 'gap':
        session(id, time).gap ??= {
          line,
          why: `connection ${id} has a gap of ${e.len} ${e.from} bytes at offset ${e.offset} (${e.reason}): those bytes cannot be resent; leave the connection out with --conn`,
        };
        break;
    }
  }
  return { file, sessions, start };
}

/** all bytes one side sent */
export function sideBytes(s: Session, from: From): Buffer {
  return Buffer.concat(s.chunks.filter((c) => c.from === from).map((c) => c.bytes));
}

/** the chunk holding byte `offset` of a direction (for error messages and pacing) */
export function chunkAt(s: Session, from: From, offset: number): Chunk | undefined {
  let pos = 0;
  let last: Chunk | undefined;
  for (const c of s.chunks) {
    if (c.from !== from) continue;
    if (offset < pos + c.bytes.length) return c;
    pos += c.bytes.length;
    last = c;
  }
  return last;
}

/** chunks of a direction that overlap [start, end) */
export function chunksIn(s: Session, from: From, start: number, end: number): Chunk[] {
  const out: Chunk[] = [];
  let pos = 0;
  for (const c of s.chunks) {
    if (c.from !== from) continue;
    if (pos < end && pos + c.bytes.length > start) out.push(c);
    pos += c.bytes.length;
  }
  return out;
}
