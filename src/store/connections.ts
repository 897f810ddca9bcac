// The connections table of the UI (and later the test-suite API and MCP): one row per connection
// seen, kept up to date from open, data, message, exchange and close events. Bounded: past
// `max` rows the oldest closed ones go first (a long run makes millions of short connections).

import type { CaptureEvent, ProtocolName } from '../events.js';

export interface ConnectionRow {
  conn: number;
  route?: string;
  client?: string;
  listen?: string;
  target?: string;
  protocol?: ProtocolName;
  /** epoch ms of the open event */
  opened: number;
  closed?: number;
  reason?: string;
  bytes: { client: number; server: number };
  exchanges: number;
  /** who logged in, where the protocol says it (PostgreSQL startup, MySQL handshake) */
  user?: string;
  database?: string;
}

export class ConnectionTable {
  private rows = new Map<number, ConnectionRow>();
  /** bumped on every change, so a live stream can tell whether to resend the table */
  version = 0;
  dropped = 0;

  constructor(private readonly max = 2000) {}

  observe(e: CaptureEvent): void {
    switch (e.type) {
      case 'open':
        this.put({
          conn: e.conn,
          route: e.route,
          client: e.client,
          listen: e.listen,
          target: e.target,
          opened: e.time,
          bytes: { client: 0, server: 0 },
          exchanges: 0,
        });
        return;
      case 'data': {
        const row = this.rows.get(e.conn);
        if (!row) return;
        row.bytes[e.from] += e.len;
        if (e.protocol && !row.protocol) row.protocol = e.protocol;
        this.version++;
        return;
      }
      case 'message': {
        const row = this.rows.get(e.conn);
        if (!row) return;
        if (!row.protocol) row.protocol = e.protocol;
        if (e.name === 'StartupMessage' || e.name.startsWith('HandshakeResponse')) {
          const f = e.fields;
          if (typeof f.user === 'string') row.user = f.user;
          const db = f.database ?? f.schema;
          if (typeof db === 'string') row.database = db;
        }
        this.version++;
        return;
      }
      case 'exchange': {
        const row = this.rows.get(e.conn);
        if (!row) return;
        row.protocol = e.protocol;
        row.exchanges++;
        this.version++;
        return;
      }
      case 'close': {
        const row = this.rows.get(e.conn);
        if (!row) return;
        row.closed = e.time;
        row.reason = e.reason;
        row.bytes = { ...e.bytes };
        this.version++;
        return;
      }
      default:
    }
  }

  get(conn: number): ConnectionRow | undefined {
    return this.rows.get(conn);
  }

  /** newest first */
  list(limit = this.max): ConnectionRow[] {
    const all = [...this.rows.values()];
    return all.slice(Math.max(0, all.length - limit)).reverse();
  }

  get size(): number {
    return this.rows.size;
  }

  private put(row: ConnectionRow): void {
    this.rows.delete(row.conn);
    this.rows.set(row.conn, row);
    this.version++;
    if (this.rows.size <= this.max) return;
    // the oldest closed row, else the oldest row; Map keeps insertion order
    let victim: number | undefined;
    for (const [conn, r] of this.rows) {
      if (r.closed !== undefined) {
        victim = conn;
        break;
      }
    }
    this.rows.delete(victim ?? this.rows.keys().next().value!);
    this.dropped++;
  }
}
