// Short forms over test/helpers/exchanges.ts for the consumers of exchanges (API, MCP): an
// exchange from a few words, open events for N connections, a capture file in a temp dir.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CaptureEvent, ExchangeEvent, ProtocolName } from '../../src/events.js';
import { ex, openEvent, writeCapture as writeCaptureAt } from './exchanges.js';

export interface ExchangeSpec {
  conn?: number;
  protocol?: ProtocolName;
  text: string;
  sql?: string;
  answer?: string;
  rows?: number;
  error?: string;
  latencyMs?: number;
  fingerprint?: string;
}

export function exchange(s: ExchangeSpec): ExchangeEvent {
  return ex({
    conn: s.conn ?? 1,
    protocol: s.protocol ?? 'postgres',
    latencyMs: s.latencyMs ?? 1,
    request: { text: s.text, ...(s.sql !== undefined ? { sql: s.sql } : {}) },
    response: {
      text: s.answer ?? (s.error ? `ERROR ${s.error}` : 'SELECT 1'),
      ...(s.rows !== undefined ? { rows: s.rows } : {}),
      ...(s.error ? { error: { code: s.error, message: 'failed' } } : {}),
    },
    fingerprint: s.fingerprint ?? s.sql ?? s.text,
  });
}

/** open events for conns 1..n */
export const opens = (n: number): CaptureEvent[] =>
  Array.from({ length: n }, (_, i) => openEvent(i + 1));

/** a capture file (header + events) in a temp dir removed at teardown; returns its path */
export function writeCapture(
  t: { teardown(fn: () => void): void },
  events: CaptureEvent[],
): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'looptap-x-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'c.jsonl');
  writeCaptureAt(file, events);
  return file;
}
