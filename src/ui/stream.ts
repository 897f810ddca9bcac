// The live stream: Server-Sent Events (one-way, plain HTTP, so the same Host, Origin and token
// checks as the API apply, and no WebSocket library is needed). New exchanges are matched
// against each client's filter as they arrive and sent in batches every FLUSH_MS; a client that
// falls behind (a full socket, a busy tab) keeps only the newest MAX_PENDING rows and is told how
// many it skipped, so neither the server nor the page grows without bound at any rate.

import type http from 'node:http';
import type { ExchangeEvent } from '../events.js';
import type { ExchangeStore } from '../store/exchange-store.js';
import { rowOf, type Row } from './rows.js';

const FLUSH_MS = 100;
const HEARTBEAT_MS = 15_000;
const MAX_PENDING = 500;
export const MAX_CLIENTS = 16;

interface Client {
  res: http.ServerResponse;
  match: (x: ExchangeEvent) => boolean;
  pending: Row[];
  skipped: number;
  blocked: boolean;
  connectionsVersion: number;
  lastWrite: number;
}

export class LiveStream {
  private clients = new Set<Client>();
  private timer: NodeJS.Timeout;
  private unsubscribe: () => void;

  constructor(private readonly store: ExchangeStore) {
    this.unsubscribe = store.subscribe((s) => this.add(s.exchange));
    this.timer = setInterval(() => this.flush(), FLUSH_MS);
    this.timer.unref();
  }

  get size(): number {
    return this.clients.size;
  }

  /** rows waiting for all clients (bounded: MAX_PENDING * 2 a client at most) */
  get pendingRows(): number {
    let n = 0;
    for (const c of this.clients) n += c.pending.length;
    return n;
  }

  open(req: http.IncomingMessage, res: http.ServerResponse, match: (x: ExchangeEvent) => boolean) {
    if (this.clients.size >= MAX_CLIENTS) {
      res.writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(`too many live streams (${MAX_CLIENTS}); close a tab\n`);
      return;
    }
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      Connection: 'keep-alive',
    });
    res.flushHeaders();
    req.socket.setNoDelay(true);
    const client: Client = {
      res,
      match,
      pending: [],
      skipped: 0,
      blocked: false,
      connectionsVersion: -1,
      lastWrite: Date.now(),
    };
    this.clients.add(client);
    res.on('drain', () => (client.blocked = false));
    res.on('close', () => this.clients.delete(client));
    this.send(client, 'hello', { stats: this.store.stats() });
  }

  close(): void {
    clearInterval(this.timer);
    this.unsubscribe();
    for (const c of this.clients) c.res.end();
    this.clients.clear();
  }

  private add(x: ExchangeEvent): void {
    let row: Row | undefined;
    for (const c of this.clients) {
      if (!safeMatch(c.match, x)) continue;
      c.pending.push((row ??= rowOf(x)));
      if (c.pending.length > MAX_PENDING * 2) {
        const drop = c.pending.length - MAX_PENDING;
        c.pending.splice(0, drop);
        c.skipped += drop;
      }
    }
  }

  private flush(): void {
    if (this.clients.size === 0) return;
    const stats = this.store.stats();
    const now = Date.now();
    for (const c of this.clients) {
      if (c.blocked) continue;
      const conns = stats.connectionsVersion !== c.connectionsVersion;
      if (c.pending.length === 0 && !conns) {
        if (now - c.lastWrite > HEARTBEAT_MS) this.write(c, ': keep-alive\n\n');
        continue;
      }
      let items = c.pending;
      if (items.length > MAX_PENDING) {
        c.skipped += items.length - MAX_PENDING;
        items = items.slice(items.length - MAX_PENDING);
      }
      c.pending = [];
      this.send(c, 'batch', { items, skipped: c.skipped, stats, connections: conns });
      c.skipped = 0;
      c.connectionsVersion = stats.connectionsVersion;
    }
  }

  private send(c: Client, event: string, data: unknown): void {
    this.write(c, `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  private write(c: Client, text: string): void {
    c.lastWrite = Date.now();
    if (!c.res.write(text)) c.blocked = true;
  }
}

function safeMatch(match: (x: ExchangeEvent) => boolean, x: ExchangeEvent): boolean {
  try {
    return match(x);
  } catch {
    return false;
  }
}
