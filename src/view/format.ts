// The live view: one line per event that a person can read while traffic flows.
//
//   15:04:05.123 #3 open 127.0.0.1:54022 -> 127.0.0.1:5432
//   15:04:05.124 #3 -> 41 B "GET / HTTP/1.1\r\nHost: ..."
//   15:04:05.125 #3 -> postgres Query select * from users where id = $1
//   15:04:05.126 #3 <- CommandComplete SELECT 1 (0.4 ms)
//   15:04:05.201 #3 close client_fin (client 36 B, server 120 B, 77 ms)
//
// Used live and by `looptap view`, so both show the same thing. Once a connection has decoded
// messages, its raw chunk lines are left out (they would repeat the messages in hex) unless
// showData is set.

import type { CaptureEvent, From } from '../events.js';
import { escapeText, preview } from './preview.js';

export interface FormatOptions {
  color: boolean;
  /** payload bytes shown per chunk */
  preview: number;
  /** show chunk lines for decoded connections too */
  showData: boolean;
  /** the longest a decoded summary may be on screen */
  width: number;
}

const C = {
  reset: '\x1b[0m',
  dim: '\x1b[2m',
  red: '\x1b[31m',
  yellow: '\x1b[33m',
  client: '\x1b[36m', // cyan: what the client sent
  server: '\x1b[35m', // magenta: what the server sent
  bold: '\x1b[1m',
};

export class Formatter {
  private decoded = new Set<string>();

  constructor(private readonly o: FormatOptions) {}

  /** the line for an event, without newline; undefined when the event is not shown */
  format(e: CaptureEvent): string | undefined {
    const key = (conn: number): string => `${e.route ?? ''}#${conn}`;
    const c = this.o.color;
    const paint = (code: string, s: string): string => (c ? code + s + C.reset : s);
    const arrow = (from: From): string => paint(C[from], from === 'client' ? '->' : '<-');
    const t = paint(C.dim, clock(e.time));
    const route = e.route !== undefined ? paint(C.dim, `[${e.route}] `) : '';
    const id = (conn: number): string => paint(C.bold, `#${conn}`);
    switch (e.type) {
      case 'header':
        return undefined;
      case 'listening':
        // the announcement is the first line and tools read it, so it carries no time prefix
        return `${route}listening on ${e.listen} -> ${e.target} (${e.mode}, decode ${e.decode})`;
      case 'open':
        return `${t} ${route}${id(e.conn)} open ${e.client} -> ${e.target}`;
      case 'data':
        if (!this.o.showData && (e.protocol !== undefined || this.decoded.has(key(e.conn)))) {
          return undefined;
        }
        return `${t} ${route}${id(e.conn)} ${arrow(e.from)} ${e.len} B ${preview(e.bytes, this.o.preview)}${
          e.redacted ? paint(C.yellow, ` (${e.redacted} B redacted)`) : ''
        }`;
      case 'message': {
        this.decoded.add(key(e.conn));
        const raw = typeof e.fields.summary === 'string' ? e.fields.summary : '';
        // "Sync Sync" says nothing twice: a summary that only repeats the name is left out
        const summary = raw === e.name ? '' : raw;
        const text = cut(escapeText(summary), this.o.width);
        const lat = e.latencyMs !== undefined ? paint(C.dim, ` (${fmtMs(e.latencyMs)})`) : '';
        const name = e.level >= 40 ? paint(C.red, e.name) : e.name;
        const proto = e.from === 'client' ? `${e.protocol} ` : '';
        return `${t} ${route}${id(e.conn)} ${arrow(e.from)} ${proto}${name}${text ? ' ' + text : ''}${lat}`;
      }
      case 'end':
        return `${t} ${route}${id(e.conn)} ${arrow(e.from)} FIN (${e.from} ends sending)`;
      case 'close':
        this.decoded.delete(key(e.conn));
        return `${t} ${route}${id(e.conn)} close ${e.reason} (client ${e.bytes.client} B, server ${e.bytes.server} B, ${fmtMs(e.ms)})`;
      case 'error':
        return `${t} ${route}${e.conn !== undefined ? id(e.conn) + ' ' : ''}${paint(C.red, 'error')} ${escapeText(e.message)}`;
      case 'gap':
        return `${t} ${route}${id(e.conn)} ${arrow(e.from)} ${paint(C.yellow, `gap of ${e.len} B at ${e.offset}: ${e.reason}`)}`;
      default:
        return undefined;
    }
  }
}

function clock(ms: number): string {
  const d = new Date(ms);
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

export function fmtMs(ms: number): string {
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 1000) return `${ms.toFixed(1)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

function cut(s: string, width: number): string {
  return s.length > width ? s.slice(0, Math.max(1, width - 1)) + '…' : s;
}
