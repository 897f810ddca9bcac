// Writes events to a stream (stdout) as the human view or as JSON lines, with backpressure: a
// terminal or pipe that cannot keep up slows the relay instead of growing memory. The human view
// also keeps itself readable under load (throttle.ts) and prints N+1 findings as their runs end.

import type { Writable } from 'node:stream';
import type { CaptureEvent, DataEvent, ExchangeEvent, ProtocolName } from '../events.js';
import type { Sink } from '../capture/hub.js';
import type { Filter } from '../filter/index.js';
import { toLine } from '../capture/line-format.js';
import { keepDataLine, sharedDataLine, sharedLineText } from '../capture/line-memo.js';
import { RunTracker, DEFAULT_THRESHOLD } from '../digest/nplusone.js';
import { Formatter, clock, type FormatOptions } from './format.js';
import { Throttle } from './throttle.js';
import { findingLine } from './digest-table.js';
import { jsonKept } from './filter.js';

export type StreamMode = 'human' | 'json' | 'quiet';

export interface LiveOptions {
  /** exchange lines per throttle window (a screenful); 0 turns the throttle off */
  budget?: number;
  /** the clock (tests) */
  now?: () => number;
}

export class StreamSink implements Sink {
  readonly name = 'output';
  private formatter?: Formatter;
  private drainFn?: () => void;
  private waiting = false;
  private readonly quiet: boolean;
  /** the reader went away (looptap ... | head): stop writing, never hold the relay back */
  private gone = false;
  private readonly filter?: Filter;
  private throttle?: Throttle;
  private timer?: NodeJS.Timeout;
  private runs?: RunTracker;
  private readonly now: () => number;
  private readonly color: boolean;

  constructor(
    private readonly out: Writable,
    private readonly mode: StreamMode,
    private readonly format: FormatOptions,
    live: LiveOptions = {},
  ) {
    this.quiet = mode === 'quiet';
    this.now = live.now ?? Date.now;
    this.color = format.color;
    if (format.filter && format.filter.source.trim() !== '') this.filter = format.filter;
    if (mode === 'human') {
      this.formatter = new Formatter(format);
      this.runs = new RunTracker();
      if (live.budget !== 0) {
        this.throttle = new Throttle(live.budget ?? 50, format.width + 30);
        // a window with hidden exchanges is summed up even when traffic stops
        this.timer = setInterval(() => this.flushThrottle(false), 500);
        this.timer.unref();
      }
    }
    const goneAway = (): void => {
      this.gone = true;
      if (this.waiting) {
        this.waiting = false;
        this.drainFn?.();
      }
    };
    out.on('error', goneAway);
    out.on('close', goneAway);
  }

  /** quiet shows no frames, JSON lines all of them, the human view what its formatter shows */
  takesFrames(protocol: ProtocolName): boolean {
    if (this.gone || this.quiet) return false;
    return this.formatter ? this.formatter.showsFrames(protocol) : true;
  }

  write(e: CaptureEvent): boolean {
    if (this.gone) return true;
    let chunk: string | Buffer | undefined;
    if (this.quiet) {
      // quiet: the announcement and errors only; everything else costs one comparison or two
      if (e.type !== 'listening' && (e.type !== 'error' || e.level < 50)) return true;
      chunk =
        new Formatter({ color: false, preview: 0, showData: false, width: 200 }).format(e) + '\n';
    } else if (this.mode === 'json') {
      if (e.type === 'header') return true;
      if (this.filter && !jsonKept(e, this.filter)) return true;
      // the capture (format 1) wrote the same line a moment ago: send its bytes
      chunk = e.type === 'data' ? (sharedDataLine(e) ?? dataLine(e)) : sharedLineText(e);
    } else if (this.mode === 'human') {
      chunk = this.human(e);
    }
    if (chunk === undefined) return true;
    return this.send(chunk);
  }

  private human(e: CaptureEvent): string | undefined {
    let out = this.throttleLine(false) ?? '';
    if (e.type === 'exchange') {
      // every exchange hides its protocol's frames, formatted or not
      this.formatter!.noteExchange(e);
      // left out by --filter: neither shown, counted nor part of an N+1 run
      if (this.filter && !this.filter.match(e)) return out || undefined;
      let line: string | undefined;
      if (this.throttle?.refuses(e)) {
        // under load most exchanges are only counted: formatting them first was most of what the
        // live view cost per exchange
        this.throttle.admit(e, 1, this.now());
      } else {
        line = this.formatter!.format(e);
        if (line !== undefined && this.throttle) {
          const lines = 1 + countNewlines(line);
          if (!this.throttle.admit(e, lines, this.now())) line = undefined;
        }
      }
      const f = this.runs!.add(e, runKey(e), e.fingerprint ?? e.request.text, DEFAULT_THRESHOLD);
      if (line !== undefined) out += line + '\n';
      if (f) out += this.nPlusOne(findingLine(f, this.format.width + 30)) + '\n';
      return out || undefined;
    }
    const line = this.formatter!.format(e);
    if (e.type === 'close') {
      const f = this.runs!.close(e.conn, e.route, DEFAULT_THRESHOLD);
      if (f) out += this.nPlusOne(findingLine(f, this.format.width + 30)) + '\n';
    }
    if (line !== undefined) out += line + '\n';
    return out || undefined;
  }

  private nPlusOne(text: string): string {
    const t = clock(this.now());
    return this.color ? `\x1b[2m${t}\x1b[0m \x1b[33m${text}\x1b[0m` : `${t} ${text}`;
  }

  private throttleLine(force: boolean): string | undefined {
    const now = this.now();
    const l = this.throttle?.tick(now, force);
    if (l === undefined) return undefined;
    const t = clock(now);
    return (this.color ? `\x1b[2m${t} ${l}\x1b[0m` : `${t} ${l}`) + '\n';
  }

  private flushThrottle(force: boolean): void {
    if (this.gone) return;
    const l = this.throttleLine(force);
    if (l) this.send(l);
  }

  private send(chunk: string | Buffer): boolean {
    const ok = this.out.write(chunk);
    if (!ok && !this.waiting && !this.gone) {
      this.waiting = true;
      this.out.once('drain', () => {
        this.waiting = false;
        this.drainFn?.();
      });
    }
    return ok;
  }

  onDrain(fn: () => void): void {
    this.drainFn = fn;
  }

  close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.flushThrottle(true);
    return Promise.resolve();
  }
}

function dataLine(e: DataEvent): Buffer {
  const line = toLine(e);
  keepDataLine(e, line);
  return line;
}

const runKey = (e: ExchangeEvent): string =>
  `${e.protocol}\0${e.fingerprintId ?? e.fingerprint ?? e.request.text}`;

function countNewlines(s: string): number {
  let n = 0;
  for (let i = s.indexOf('\n'); i !== -1; i = s.indexOf('\n', i + 1)) n++;
  return n;
}
