// `looptap top` (and `looptap --top`): a full-screen live table of fingerprints, refreshed every
// second, sorted with keys, in the terminal's alternate screen (docs/top.md). q or Ctrl-C stops
// looptap as SIGINT would (graceful shutdown); the terminal is restored on every way out.

import type { CaptureEvent } from '../events.js';
import type { Sink } from '../capture/hub.js';
import type { Filter } from '../filter/index.js';
import { Digest, type StatsRow, type StatsSort } from '../digest/index.js';
import { usageError } from '../util/errors.js';
import { escapeText } from './preview.js';
import { cut, ms } from './digest-table.js';
import { findingLine } from './digest-table.js';

const REFRESH_MS = 1000;
const KEYS: Record<string, TopSort> = { t: 'total', c: 'calls', p: 'p95', e: 'errors', r: 'rate' };
export type TopSort = StatsSort | 'rate';

const ALT_ON = '\x1b[?1049h\x1b[?25l';
const ALT_OFF = '\x1b[?25h\x1b[?1049l';
const HOME_CLEAR = '\x1b[H\x1b[2J';

export interface Screen {
  columns: number;
  rows: number;
  write(s: string): void;
}

/** the table as lines, for a screen of `columns` x `rows` (pure: the tests call it) */
export function topLines(
  d: Digest,
  rates: Map<string, number>,
  sort: TopSort,
  head: string,
  columns: number,
  rows: number,
  last?: string,
): string[] {
  const all = d.rows(sort === 'rate' ? 'calls' : sort);
  const rate = (r: StatsRow): number => rates.get(rowKey(r)) ?? 0;
  if (sort === 'rate') all.sort((a, b) => rate(b) - rate(a) || b.calls - a.calls);
  const cols = ['calls', 'rate/s', 'p50 ms', 'p95 ms', 'max ms', 'rows', 'errors', 'total ms'];
  const sortCol: Record<TopSort, string> = {
    total: 'total ms',
    calls: 'calls',
    p95: 'p95 ms',
    errors: 'errors',
    rate: 'rate/s',
  };
  const cells = all.map((r) => [
    String(r.calls),
    rate(r).toFixed(1),
    ms(r.p50Ms),
    ms(r.p95Ms),
    ms(r.maxMs),
    String(r.rows),
    String(r.errors),
    ms(r.totalMs),
  ]);
  const label = cols.map((c) => (c === sortCol[sort] ? c + '*' : c));
  const widths = label.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (proto: string, c: string[], fp: string): string => {
    const left = proto.padEnd(8) + '  ' + c.map((v, i) => v.padStart(widths[i]!)).join('  ');
    return cut(left + '  ' + fp, columns);
  };
  const out = [
    cut(head, columns),
    cut(
      `${d.exchanges} exchanges, ${d.errors} errors, ${all.length} fingerprints   sort: ${sortCol[sort]}   keys: t total  c calls  p p95  e errors  r rate  q quit`,
      columns,
    ),
    '',
    line('protocol', label, 'fingerprint'),
  ];
  const room = Math.max(1, rows - out.length - (last ? 2 : 0));
  for (let i = 0; i < Math.min(room, all.length); i++) {
    out.push(line(all[i]!.protocol, cells[i]!, escapeText(all[i]!.fingerprint)));
  }
  if (all.length === 0) out.push('(no exchanges yet)');
  if (last) {
    while (out.length < rows - 1) out.push('');
    out.push(cut(last, columns));
  }
  return out;
}

const rowKey = (r: StatsRow): string => `${r.protocol}\0${r.fingerprintId ?? r.fingerprint}`;

export class TopScreen implements Sink {
  readonly name = 'top';
  private digest = new Digest();
  private sort: TopSort = 'total';
  private rates = new Map<string, number>();
  private prev = new Map<string, number>();
  private prevAt = Date.now();
  private timer?: NodeJS.Timeout;
  private started = false;
  private closed = false;
  private heads: string[] = [];
  private last?: string;
  private readonly restore = (): void => this.leave();

  constructor(
    private readonly screen: Screen,
    private readonly input: NodeJS.ReadStream | undefined,
    private readonly filter?: Filter,
    private readonly quit: () => void = () => process.kill(process.pid, 'SIGINT'),
  ) {}

  /** the table is made of exchanges */
  takesFrames(): boolean {
    return false;
  }

  write(e: CaptureEvent): boolean {
    if (this.closed) return true;
    switch (e.type) {
      case 'listening': {
        const route = e.route !== undefined ? `[${e.route}] ` : '';
        const text = `${route}listening on ${e.listen} -> ${e.target} (${e.mode}, decode ${e.decode})`;
        this.heads.push(text);
        // the announcement goes to the normal screen first: scripts (and people) read it there
        if (!this.started) {
          this.screen.write(text + '\n');
          setImmediate(() => this.enter());
        }
        break;
      }
      case 'exchange':
        if (!this.filter || this.filter.match(e)) this.digest.add(e);
        break;
      case 'close': {
        const f = this.digest.close(e.conn, e.route);
        if (f) this.last = findingLine(f, this.screen.columns);
        break;
      }
      case 'error':
        if (e.level >= 50) this.last = `error: ${escapeText(e.message)}`;
        break;
    }
    return true;
  }

  private enter(): void {
    if (this.started || this.closed) return;
    this.started = true;
    this.screen.write(ALT_ON);
    process.once('exit', this.restore);
    if (this.input?.isTTY) {
      this.input.setRawMode(true);
      this.input.resume();
      this.input.setEncoding('utf8');
      this.input.on('data', this.onKey);
    }
    this.timer = setInterval(() => this.render(), REFRESH_MS);
    this.render();
  }

  private readonly onKey = (s: string): void => {
    for (const ch of s) {
      if (ch === 'q' || ch === '\x03' || ch === '\x04') {
        this.quit();
        return;
      }
      const sort = KEYS[ch.toLowerCase()];
      if (sort) {
        this.sort = sort;
        this.render(false);
      }
    }
  };

  private render(tick = true): void {
    if (this.closed || !this.started) return;
    if (tick) {
      const now = Date.now();
      const dt = Math.max(0.001, (now - this.prevAt) / 1000);
      this.prevAt = now;
      const seen = new Map<string, number>();
      for (const r of this.digest.rows('calls')) {
        const k = rowKey(r);
        seen.set(k, r.calls);
        this.rates.set(k, (r.calls - (this.prev.get(k) ?? 0)) / dt);
      }
      this.prev = seen;
    }
    const head = `looptap top: ${this.heads.join('; ')}`;
    const lines = topLines(
      this.digest,
      this.rates,
      this.sort,
      head,
      this.screen.columns,
      this.screen.rows,
      this.last,
    );
    this.screen.write(HOME_CLEAR + lines.join('\r\n'));
  }

  private leave(): void {
    if (!this.started) return;
    this.started = false;
    if (this.timer) clearInterval(this.timer);
    if (this.input?.isTTY) {
      this.input.off('data', this.onKey);
      this.input.setRawMode(false);
      this.input.pause();
    }
    this.screen.write(ALT_OFF);
    process.off('exit', this.restore);
  }

  close(): Promise<void> {
    this.leave();
    this.closed = true;
    return Promise.resolve();
  }
}

/** the outputs of a top run: the screen on stdout (a terminal is required) */
export function openTop(filter?: Filter): { sinks: Sink[] } {
  assertTerminal();
  const out = process.stdout;
  const screen: Screen = {
    get columns() {
      return out.columns ?? 100;
    },
    get rows() {
      return out.rows ?? 30;
    },
    write: (s) => void out.write(s),
  };
  return { sinks: [new TopScreen(screen, process.stdin, filter)] };
}

/** checked before anything starts, so that a refused top run leaves no capture file behind */
export function assertTerminal(): void {
  if (!process.stdout.isTTY) {
    throw usageError(
      'NOT_A_TERMINAL',
      'looptap top draws a full-screen table and needs a terminal: run it in one, or use --capture FILE and looptap stats FILE',
    );
  }
}
