// The frames behind an exchange: the message events and the first raw bytes a connection carried
// since its previous exchange. The observer emits an exchange after the frames of the step that
// completed it, so collecting per connection until the next exchange gives exactly its frames.
// Bounded per exchange (MAX_FRAMES, MAX_BYTES a direction) and in connections tracked.

import type { CaptureEvent, From } from '../events.js';

export interface Frame {
  from: From;
  name: string;
  time: number;
  summary?: string;
  fields: Record<string, unknown>;
}

export interface FrameSet {
  frames: Frame[];
  /** frames seen but not kept (past MAX_FRAMES) */
  moreFrames: number;
  /** the first raw bytes of each direction (already redacted, as in the capture) */
  bytes: Record<From, Buffer>;
  /** bytes seen in each direction, kept or not */
  totalBytes: Record<From, number>;
}

export const MAX_FRAMES = 64;
export const MAX_BYTES = 4096;
const MAX_CONNS = 4096;
const MAX_FIELD_CHARS = 2048;

export class FrameCollector {
  private pending = new Map<number, FrameSet>();

  /** feeds one event; returns the frames of `e` when it is an exchange */
  observe(e: CaptureEvent): FrameSet | undefined {
    switch (e.type) {
      case 'message': {
        const set = this.open(e.conn);
        if (set.frames.length >= MAX_FRAMES) set.moreFrames++;
        else {
          const { summary, ...fields } = e.fields;
          set.frames.push({
            from: e.from,
            name: e.name,
            time: e.time,
            summary: typeof summary === 'string' ? summary : undefined,
            fields: shrink(fields),
          });
        }
        return undefined;
      }
      case 'data': {
        const set = this.open(e.conn);
        set.totalBytes[e.from] += e.len;
        const have = set.bytes[e.from];
        if (have.length < MAX_BYTES) {
          const take = e.bytes.subarray(0, MAX_BYTES - have.length);
          set.bytes[e.from] = Buffer.concat([have, take]);
        }
        return undefined;
      }
      case 'exchange': {
        const set = this.pending.get(e.conn) ?? empty();
        this.pending.delete(e.conn);
        return set;
      }
      case 'close':
        this.pending.delete(e.conn);
        return undefined;
      default:
        return undefined;
    }
  }

  private open(conn: number): FrameSet {
    let set = this.pending.get(conn);
    if (!set) {
      if (this.pending.size >= MAX_CONNS) this.pending.delete(this.pending.keys().next().value!);
      set = empty();
      this.pending.set(conn, set);
    }
    return set;
  }
}

export function empty(): FrameSet {
  return {
    frames: [],
    moreFrames: 0,
    bytes: { client: Buffer.alloc(0), server: Buffer.alloc(0) },
    totalBytes: { client: 0, server: 0 },
  };
}

/** rough bytes a frame set holds, for the store's memory bound */
export function frameBytes(s: FrameSet): number {
  let n = s.bytes.client.length + s.bytes.server.length + 64;
  for (const f of s.frames)
    n += 64 + (f.summary?.length ?? 0) * 2 + JSON.stringify(f.fields).length * 2;
  return n;
}

/** long strings in frame fields are cut: the detail pane shows the exchange's own full values */
function shrink(fields: Record<string, unknown>): Record<string, unknown> {
  const text = JSON.stringify(fields);
  if (text.length <= MAX_FIELD_CHARS) return fields;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) {
    const s = typeof v === 'string' ? v : JSON.stringify(v);
    out[k] = s.length > 256 ? s.slice(0, 255) + '…' : v;
  }
  return out;
}
