// What the main thread and the relay worker (thread: 'worker') say to each other, and the one
// SharedArrayBuffer that lets the main thread wait for a flush synchronously (relay.exchanges()
// is synchronous, so it cannot await a message; it blocks in Atomics.wait instead).

import type { MessagePort } from 'node:worker_threads';
import { LEVEL, type CaptureEvent } from '../events.js';
import { LooptapError } from '../util/errors.js';
import { ByConnection } from './by-connection.js';

/** Int32 slots of the shared buffer */
export const SLOT_FLUSHED = 0; // the last flush sequence number the worker has answered
export const SLOT_STATE = 1; // STATE_RUNNING or STATE_GONE
export const SLOTS = 2;
export const STATE_RUNNING = 0;
export const STATE_GONE = 1;

export type RelayKind = 'tcp' | 'http';

export interface WorkerData {
  kind: RelayKind;
  /** the relay's options without sinks, hub and interceptors (they cannot cross threads) */
  options: Record<string, unknown>;
  port: MessagePort;
  shared: SharedArrayBuffer;
}

export type ToWorker = { type: 'flush'; seq: number } | { type: 'close'; graceMs?: number };

export interface SerializedError {
  name: string;
  message: string;
  code?: string;
  exit?: 1 | 2;
  stack?: string;
}

export type FromWorker =
  | { type: 'ready'; address: string; port: number; target: string }
  | { type: 'failed'; error: SerializedError }
  | { type: 'events'; events: CaptureEvent[] }
  | { type: 'closed' };

export function serializeError(err: unknown): SerializedError {
  if (!(err instanceof Error)) return { name: 'Error', message: String(err) };
  const out: SerializedError = { name: err.name, message: err.message };
  const code = (err as NodeJS.ErrnoException).code;
  if (typeof code === 'string') out.code = code;
  if (err instanceof LooptapError) out.exit = err.exit;
  if (err.stack) out.stack = err.stack;
  return out;
}

/** the error the caller would have got in-process: a LooptapError stays one, code and exit kept */
export function reviveError(s: SerializedError): Error {
  const err =
    s.name === 'LooptapError'
      ? new LooptapError(s.code ?? 'WORKER_ERROR', s.message, s.exit ?? 1)
      : Object.assign(new Error(s.message), s.code ? { code: s.code } : {});
  if (s.name !== 'LooptapError') err.name = s.name;
  if (s.stack) err.stack = s.stack;
  return err;
}

/** Picks what the main thread's ConversationLog reads, and drops the rest before it is copied
 * across: exchanges, opens, closes and connection errors as they are, and the first event per
 * connection that names its protocol, slimmed to that (data events carry the payload bytes).
 * The bytes an open connection has moved travel as counts: before each exchange, one slim data
 * event per direction with what passed since the last (the close event carries the totals). */
export class LogFeed {
  private named = new ByConnection<true>();
  private counted = new ByConnection<{ client: number; server: number }>();

  pick(e: CaptureEvent): CaptureEvent[] {
    switch (e.type) {
      case 'exchange':
        return [...this.counts(e.conn, e.route, e.time), e];
      case 'open':
        return [e];
      case 'close':
        this.named.delete(e.route, e.conn);
        this.counted.delete(e.route, e.conn);
        return [e];
      case 'error':
        return e.conn !== undefined ? [e] : [];
      case 'data':
      case 'message': {
        if (e.type === 'data') {
          let c = this.counted.get(e.route, e.conn);
          if (!c) this.counted.set(e.route, e.conn, (c = { client: 0, server: 0 }));
          c[e.from] += e.len;
        }
        if (!e.protocol || this.named.get(e.route, e.conn)) return [];
        this.named.set(e.route, e.conn, true);
        const slim: CaptureEvent = {
          type: 'message',
          time: e.time,
          level: e.level,
          msg: '',
          conn: e.conn,
          from: e.from,
          protocol: e.protocol,
          name: e.type === 'message' ? e.name : 'data',
          fields: {},
        };
        if (e.route !== undefined) slim.route = e.route;
        return [slim];
      }
      default:
        return [];
    }
  }

  private counts(conn: number, route: string | undefined, time: number): CaptureEvent[] {
    const c = this.counted.get(route, conn);
    if (!c) return [];
    const out: CaptureEvent[] = [];
    for (const from of ['client', 'server'] as const) {
      if (c[from] === 0) continue;
      const slim: CaptureEvent = {
        type: 'data',
        time,
        level: LEVEL.debug,
        msg: '',
        conn,
        from,
        seq: 0,
        offset: 0,
        len: c[from],
        bytes: EMPTY,
      };
      if (route !== undefined) slim.route = route;
      out.push(slim);
      c[from] = 0;
    }
    return out;
  }
}

const EMPTY = Buffer.alloc(0);
