// Writes events to a stream (stdout) as the human view or as JSON lines, with backpressure: a
// terminal or pipe that cannot keep up slows the relay instead of growing memory.

import type { Writable } from 'node:stream';
import type { CaptureEvent } from '../events.js';
import type { Sink } from '../capture/hub.js';
import { lineText, toLine } from '../capture/line-format.js';
import { Formatter, type FormatOptions } from './format.js';

export type StreamMode = 'human' | 'json' | 'quiet';

export class StreamSink implements Sink {
  readonly name = 'output';
  private formatter?: Formatter;
  private drainFn?: () => void;
  private waiting = false;
  private readonly quiet: boolean;
  /** the reader went away (looptap ... | head): stop writing, never hold the relay back */
  private gone = false;

  constructor(
    private readonly out: Writable,
    private readonly mode: StreamMode,
    format: FormatOptions,
  ) {
    this.quiet = mode === 'quiet';
    if (mode === 'human') this.formatter = new Formatter(format);
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
      chunk = e.type === 'data' ? toLine(e) : lineText(e);
    } else if (this.mode === 'human') {
      const line = this.formatter!.format(e);
      if (line !== undefined) chunk = line + '\n';
    }
    if (chunk === undefined) return true;
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
    return Promise.resolve();
  }
}
