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
// showData is set, or the decoder lost track (DECODE_FALLBACK, DECODE_BUG): from then on every chunk of both
// directions is shown raw, so nothing the decoder could not read goes missing.
//
// Exchanges (one request and its answer) are the default view (docs/exchanges.md): frame lines
// (message events) of a protocol are hidden once that protocol has produced an exchange in this
// run (live: from the start, for the protocols whose decoders build exchanges), unless `frames`
// is set. Before that (a v0.1 capture, a decoder without exchanges) frames are all there is, and
// they are shown. Key frames stay (decoders/key-frames.ts): every connection's login, and errors
// outside any exchange (a failed login); an error that answered a request is on its exchange line.

import type { CaptureEvent, From, MessageEvent, ProtocolName } from '../events.js';
import type { Filter } from '../filter/index.js';
import { escapeText, preview } from './preview.js';
import { exchangeText, fmtMs, rowLines } from './exchange-line.js';
import { isErrorFrame, isLoginFrame, isStreamFrame } from '../decoders/key-frames.js';

export { fmtMs };

export interface FormatOptions {
  color: boolean;
  /** payload bytes shown per chunk */
  preview: number;
  /** show chunk lines for decoded connections too */
  showData: boolean;
  /** the longest a decoded summary may be on screen */
  width: number;
  /** show frame (message) lines even where exchanges are shown (--frames) */
  frames?: boolean;
  /** result rows shown under an exchange line (--rows; default 3, 0 hides them) */
  rows?: number;
  /** only exchanges that match; connection, chunk and frame lines are left out (--filter) */
  filter?: Filter;
  /** protocols known to build exchanges (the live view: every decoder of this version): their
   * frames are hidden from the first one, not only after their first exchange */
  exchangeProtocols?: readonly ProtocolName[];
}

export const DEFAULT_ROWS = 3;

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
  /** connections whose decoder fell back to raw: all their later chunks are shown */
  private fellBack = new Set<string>();
  /** protocols that produced exchanges in this run: their frames are hidden */
  private exchanging: Set<ProtocolName>;
  /** read back from a capture: connections that produced an exchange (their errors are on
   * exchange lines from then on) */
  private exchanged = new Set<string>();
  private readonly filtering: boolean;
  /** the events come from this run's Observer (exchangeProtocols given), not from a capture */
  private readonly live: boolean;

  constructor(private readonly o: FormatOptions) {
    this.filtering = o.filter !== undefined && o.filter.source.trim() !== '';
    this.exchanging = new Set(o.exchangeProtocols);
    this.live = o.exchangeProtocols !== undefined;
  }

  /** whether a frame (message event) of this protocol would be shown now */
  showsFrames(protocol: ProtocolName): boolean {
    return !this.filtering && (this.o.frames === true || !this.exchanging.has(protocol));
  }

  /** what formatting an exchange remembers, for an exchange not formatted (the live view's
   * throttle hides it): its protocol's frames are hidden from now on, and its connection's
   * errors are left to its exchange lines */
  noteExchange(x: { protocol: ProtocolName; conn: number; route?: string }): void {
    this.exchanging.add(x.protocol);
    // live, the decoders mark the errors outside exchanges: no set to keep per exchange
    if (!this.live) this.exchanged.add(`${x.route ?? ''}#${x.conn}`);
  }

  /** a frame hidden beside exchanges: any but a login and an error outside any exchange. Live,
   * the decoder says which errors those are (`standalone`); read back from a capture, an error
   * before its connection's first exchange counts as one. */
  private hidesFrame(e: MessageEvent, key: string): boolean {
    if (this.o.frames || !this.exchanging.has(e.protocol)) return false;
    if (isLoginFrame(e.name) || isStreamFrame(e.name)) return false;
    if (!isErrorFrame(e.level)) return true;
    return this.live ? e.standalone !== true : this.exchanged.has(key);
  }

  /** the line for an event, without newline; undefined when the event is not shown */
  format(e: CaptureEvent): string | undefined {
    const key = (conn: number): string => `${e.route ?? ''}#${conn}`;
    const c = this.o.color;
    const paint = (code: string, s: string): string => (c ? code + s + C.reset : s);
    const arrow = (from: From): string => paint(C[from], from === 'client' ? '->' : '<-');
    // most events are not shown (chunks of decoded connections, frames beside exchanges): the
    // clock is made only for a line that is
    const t = (): string => paint(C.dim, clock(e.time));
    const route = e.route !== undefined ? paint(C.dim, `[${e.route}] `) : '';
    const id = (conn: number): string => paint(C.bold, `#${conn}`);
    switch (e.type) {
      case 'header':
        // a capture of this version says which protocols build exchanges: their frames are
        // hidden from the first one, as live (a v0.1 capture has none: frames until one comes)
        for (const p of e.exchanges ?? []) this.exchanging.add(p);
        return undefined;
      case 'listening':
        // the announcement is the first line and tools read it, so it carries no time prefix
        return `${route}listening on ${e.listen} -> ${e.target} (${e.mode}, decode ${e.decode})`;
      case 'open':
        if (this.filtering) return undefined;
        return `${t()} ${route}${id(e.conn)} open ${e.client} -> ${e.target}`;
      case 'data':
        if (this.filtering) return undefined;
        if (
          !this.o.showData &&
          !this.fellBack.has(key(e.conn)) &&
          (e.protocol !== undefined || this.decoded.has(key(e.conn)))
        ) {
          return undefined;
        }
        return `${t()} ${route}${id(e.conn)} ${arrow(e.from)} ${e.len} B ${preview(e.bytes, this.o.preview)}${
          e.redacted ? paint(C.yellow, ` (${e.redacted} B redacted)`) : ''
        }`;
      case 'message': {
        const k = key(e.conn);
        this.decoded.add(k);
        if (this.filtering || this.hidesFrame(e, k)) return undefined;
        const raw = typeof e.fields.summary === 'string' ? e.fields.summary : '';
        // "Sync Sync" says nothing twice: a summary that only repeats the name is left out
        const summary = raw === e.name ? '' : raw;
        const text = cut(escapeText(summary), this.o.width);
        const lat = e.latencyMs !== undefined ? paint(C.dim, ` (${fmtMs(e.latencyMs)})`) : '';
        const name = e.level >= 40 ? paint(C.red, e.name) : e.name;
        const proto = e.from === 'client' ? `${e.protocol} ` : '';
        return `${t()} ${route}${id(e.conn)} ${arrow(e.from)} ${proto}${name}${text ? ' ' + text : ''}${lat}`;
      }
      case 'exchange': {
        this.noteExchange(e);
        if (this.o.filter && !this.o.filter.match(e)) return undefined;
        const p = {
          red: (s: string) => paint(C.red, s),
          yellow: (s: string) => paint(C.yellow, s),
          dim: (s: string) => paint(C.dim, s),
        };
        const line = `${t()} ${route}${id(e.conn)} ${exchangeText(e, this.o.width, p)}`;
        const rows = rowLines(e, this.o.rows ?? DEFAULT_ROWS, this.o.width + 20, p.dim);
        return rows.length ? line + '\n' + rows.join('\n') : line;
      }
      case 'end':
        if (this.filtering) return undefined;
        return `${t()} ${route}${id(e.conn)} ${arrow(e.from)} FIN (${e.from} ends sending)`;
      case 'close':
        this.decoded.delete(key(e.conn));
        this.fellBack.delete(key(e.conn));
        this.exchanged.delete(key(e.conn));
        if (this.filtering) return undefined;
        return `${t()} ${route}${id(e.conn)} close ${e.reason} (client ${e.bytes.client} B, server ${e.bytes.server} B, ${fmtMs(e.ms)})`;
      case 'error':
        // a decoder that gave up (DECODE_FALLBACK) or broke (DECODE_BUG): raw from here on
        if ((e.code === 'DECODE_FALLBACK' || e.code === 'DECODE_BUG') && e.conn !== undefined) {
          this.fellBack.add(key(e.conn));
        }
        return `${t()} ${route}${e.conn !== undefined ? id(e.conn) + ' ' : ''}${paint(C.red, 'error')} ${escapeText(e.message)}`;
      case 'gap':
        return `${t()} ${route}${id(e.conn)} ${arrow(e.from)} ${paint(C.yellow, `gap of ${e.len} B at ${e.offset}: ${e.reason}`)}`;
      default:
        return undefined;
    }
  }
}

/** `HH:MM:SS.mmm` in local time. The part up to the seconds is kept for the second it belongs
 * to: a busy live view asks for the same second thousands of times, and a Date with its local
 * fields was most of what a line's prefix cost. (Time-zone offsets change on whole minutes.) */
export function clock(ms: number): string {
  const sec = Math.floor(ms / 1000);
  if (sec !== clockSec) {
    const d = new Date(sec * 1000);
    clockSec = sec;
    clockHead = `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}.`;
  }
  const milli = Math.floor(ms - sec * 1000);
  return clockHead + (milli < 10 ? '00' : milli < 100 ? '0' : '') + milli;
}
let clockSec = NaN;
let clockHead = '';
const pad2 = (n: number): string => (n < 10 ? '0' : '') + n;

function cut(s: string, width: number): string {
  return s.length > width ? s.slice(0, Math.max(1, width - 1)) + '…' : s;
}
