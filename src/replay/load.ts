// Capture file -> one Session per connection: the bytes each side sent, in order, with the time
// and line of every chunk, plus what the decoders said about the connection. Replay reads only
// capture files (never live relay objects), and everything here is checked before a single byte
// is sent: a broken capture stops with file:line and exit 2.
//
//   readCapture(file) ──▶ open / data / message / exchange / end / close / gap ──▶ Map<conn, Session>

import type {
  CaptureEvent,
  DataEvent,
  ExchangeEvent,
  From,
  MessageEvent,
  ProtocolName,
} from '../events.js';
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
  /** the decoders' exchanges on this connection (what --filter matches) */
  exchanges: ExchangeEvent[];
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
  const loader = new CaptureLoader(file);
  for await (const e of readCapture(file)) loader.add(e);
  return { file, sessions: loader.sessions, start: loader.start };
}

/** the sessions so far, and the line and offsets that the next event is checked against */
class CaptureLoader {
  readonly sessions = new Map<number, Session>();
  start = 0;
  private readonly offsets = new Map<string, number>();
  private line = 0;

  constructor(private readonly file: string) {}

  add(e: CaptureEvent): void {
    this.line++;
    if (e.type === 'header') return;
    const time = typeof e.time === 'number' ? e.time : this.bad('event without a numeric "time"');
    if (this.start === 0) this.start = time;
    const conn = (e as { conn?: unknown }).conn;
    if (conn === undefined) return;
    if (typeof conn !== 'number' || !Number.isInteger(conn)) this.bad('"conn" is not an integer');
    this.take(e, conn, time);
  }

  private take(e: CaptureEvent, id: number, time: number): void {
    switch (e.type) {
      case 'open':
        if (this.sessions.has(id)) {
          this.bad(`connection ${id} opens twice: two captures glued together?`);
        }
        this.session(id, time).route = e.route;
        break;
      case 'data':
        this.data(this.session(id, time), e, id, time);
        break;
      case 'message': {
        const s = this.session(id, time);
        s.messages.push(e);
        s.protocol ??= e.protocol;
        break;
      }
      case 'exchange':
        this.session(id, time).exchanges.push(e);
        break;
      case 'error':
        // a decoder bug stops decoding just as a fallback does: the messages are not the whole story
        if (e.code === 'DECODE_FALLBACK' || e.code === 'DECODE_BUG')
          this.session(id, time).fallback = true;
        break;
      case 'end':
        this.session(id, time).ended[e.from] = true;
        break;
      case 'close':
        this.session(id, time).closed = e.reason;
        break;
      case 'gap':
        this.session(id, time).gap ??= {
          line: this.line,
          why: `connection ${id} has a gap of ${e.len} ${e.from} bytes at offset ${e.offset} (${e.reason}): those bytes cannot be resent; leave the connection out with --conn`,
        };
        break;
    }
  }

  private data(s: Session, e: DataEvent, id: number, time: number): void {
    const { line } = this;
    const key = `${id}/${e.from}`;
    const expected = this.offsets.get(key) ?? 0;
    if (typeof e.offset === 'number' && e.offset !== expected) {
      s.gap ??= {
        line,
        why: `connection ${id} ${e.from} bytes jump from offset ${expected} to ${e.offset}: the capture lost data; leave the connection out with --conn`,
      };
    }
    this.offsets.set(key, expected + e.bytes.length);
    const redacted = typeof e.redacted === 'number' ? e.redacted : 0;
    s.redacted[e.from] += redacted;
    s.chunks.push({ from: e.from, bytes: e.bytes, time, line, redacted });
  }

  private session(conn: number, time: number): Session {
    let s = this.sessions.get(conn);
    if (!s) {
      s = {
        conn,
        start: time,
        line: this.line,
        chunks: [],
        messages: [],
        exchanges: [],
        ended: { client: false, server: false },
        redacted: { client: 0, server: 0 },
      };
      this.sessions.set(conn, s);
    }
    return s;
  }

  private bad(why: string): never {
    throw new CaptureReadError(this.file, this.line, why);
  }
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
