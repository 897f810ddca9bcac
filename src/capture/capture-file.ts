// The capture file: every event as a JSON line, written in batches off the socket path.
// - created 0600 whatever the umask, a symlink at the path is refused (O_NOFOLLOW), so are a FIFO
//   and other non-files, and a non-empty existing file unless --overwrite (then truncated, mode
//   fixed);
// - backpressure: when more than HIGH_WATER bytes wait for the disk, write() returns false and
//   the hub pauses the relay until the queue is below LOW_WATER (the capture is complete, and
//   memory stays bounded; research/performance.md: 2.9 GB without this);
// - a disk that fails (ENOSPC, EIO) stops the capture, never the relay: one error report, then
//   events are counted as dropped and the CLI says so at exit (exit code 1).

import fs from 'node:fs';
import type { CaptureEvent } from '../events.js';
import type { Sink } from './hub.js';
import { describe } from './hub.js';
import { dataRefLine } from './line-format.js';
import { sharedDataLine, sharedLineText } from './line-memo.js';
import { LineSlabs } from './line-slabs.js';
import { PayloadQueue, writevAll } from './payload-file.js';
import { LooptapError } from '../util/errors.js';

// opening (the refusals: symlink, FIFO, non-empty file) lives in open-capture.ts
export { openCaptureFile, type OpenOptions } from './open-capture.js';

const HIGH_WATER = 8 * 1024 * 1024;
const LOW_WATER = 2 * 1024 * 1024;
/** A write starts when this much is queued, or FLUSH_MS after the first line, whichever comes
 * first (line-slabs.ts says why lines are batched). */
const FLUSH_BYTES = 64 * 1024;
const FLUSH_MS = 20;

export class CaptureFile implements Sink {
  readonly name: string;
  private lines = new LineSlabs();
  /** bytes of lines and payloads not written yet */
  private queued = 0;
  private timer?: NodeJS.Timeout;
  private closing = false;
  private writing = false;
  private scheduled = false;
  private blocked = false;
  private drainFn?: () => void;
  private errorFn?: (err: LooptapError) => void;
  private closed = false;
  private idle: Array<() => void> = [];
  failure?: LooptapError;
  /** events not written because the disk failed */
  dropped = 0;
  /** bytes written so far */
  written = 0;

  /** format 2: the payload file the data lines point into */
  private payload?: PayloadQueue;

  constructor(
    private fd: number,
    readonly path: string,
    payloadFd?: number,
  ) {
    this.name = `capture file ${path}`;
    if (payloadFd !== undefined) this.payload = new PayloadQueue(payloadFd);
  }

  get format(): 1 | 2 {
    return this.payload ? 2 : 1;
  }

  write(event: CaptureEvent): boolean {
    if (this.failure || this.closed) {
      this.dropped++;
      return true;
    }
    this.queued += this.append(event);
    this.schedule();
    if (this.queued > HIGH_WATER) this.blocked = true;
    return !this.blocked;
  }

  /** queues the event's line (and format 2's payload); returns the bytes queued */
  private append(e: CaptureEvent): number {
    if (e.type !== 'data') return this.lines.text(sharedLineText(e));
    if (this.payload) {
      // the bytes go to the payload file as they are: no base64, no copy
      return this.lines.text(dataRefLine(e, this.payload.push(e.bytes))) + e.bytes.length;
    }
    const made = sharedDataLine(e);
    return made ? this.lines.bytes(made) : this.lines.data(e);
  }

  private schedule(): void {
    // a write in flight looks at the queue again when it ends
    if (this.writing || this.scheduled) return;
    if (this.queued >= FLUSH_BYTES || this.closing) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        this.flush();
      });
    } else {
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        this.flush();
      }, FLUSH_MS);
    }
  }

  onDrain(fn: () => void): void {
    this.drainFn = fn;
  }

  onError(fn: (err: LooptapError) => void): void {
    this.errorFn = fn;
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.lines.seal();
    const payloadQueued = this.payload ? this.payload.queued : 0;
    if (this.writing || (this.lines.bufs.length === 0 && payloadQueued === 0) || this.failure) {
      return this.settle();
    }
    this.writing = true;
    // payload bytes first: a line never reaches the disk before the bytes it points to
    const side = this.payload?.take();
    const lines = this.lines.take();
    const size = lines.reduce((n, b) => n + b.length, 0) + (side?.size ?? 0);
    const writeLines = (): void =>
      writevAll(this.fd, lines, (err, n) => {
        if (err) return this.failed(err);
        this.wrote(size, n + (side?.size ?? 0));
      });
    if (side && side.bufs.length > 0) {
      writevAll(this.payload!.fd, side.bufs, (err) => (err ? this.failed(err) : writeLines()));
    } else writeLines();
  }

  private failed(err: NodeJS.ErrnoException): void {
    this.writing = false;
    this.fail(err);
  }

  private wrote(size: number, n: number): void {
    this.writing = false;
    this.written += n;
    this.queued -= size;
    if (this.blocked && this.queued < LOW_WATER) {
      this.blocked = false;
      this.drainFn?.();
    }
    if (this.queued >= FLUSH_BYTES || this.closing) this.flush();
    else if (this.queued > 0) this.schedule();
    else this.settle();
  }

  private settle(): void {
    const empty = this.lines.bufs.length === 0 && (this.payload?.queued ?? 0) === 0;
    if (!this.writing && (empty || this.failure)) {
      const idle = this.idle;
      this.idle = [];
      for (const fn of idle) fn();
    }
  }

  private fail(err: NodeJS.ErrnoException): void {
    const why =
      err.code === 'ENOSPC'
        ? 'the disk is full (ENOSPC)'
        : err.code === 'EDQUOT'
          ? 'the disk quota is used up (EDQUOT)'
          : describe(err);
    this.failure = new LooptapError(
      err.code ?? 'CAPTURE_FAILED',
      `capture ${this.path} stopped: ${why}; forwarding goes on without it, free space or pick another --capture path`,
    );
    this.dropped += this.lines.drop();
    this.payload?.take();
    this.queued = 0;
    if (this.blocked) {
      this.blocked = false;
      this.drainFn?.();
    }
    this.errorFn?.(this.failure);
    this.settle();
  }

  /** waits for everything queued to reach the file, then closes it */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closing = true;
    await new Promise<void>((resolve) => {
      this.idle.push(resolve);
      if (!this.scheduled) this.flush();
      else this.settle();
    });
    this.closed = true;
    await new Promise<void>((resolve) => fs.close(this.fd, () => resolve()));
    if (this.payload)
      await new Promise<void>((resolve) => fs.close(this.payload!.fd, () => resolve()));
  }

  /** last resort on a second Ctrl-C: write what is queued synchronously and close */
  closeSync(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    this.lines.seal();
    try {
      if (!this.failure && !this.writing) {
        this.payload?.writeSync();
        for (const b of this.lines.take()) fs.writeSync(this.fd, b);
      }
    } catch {
      /* the process is exiting; nothing better to do */
    }
    for (const fd of [this.fd, this.payload?.fd]) {
      try {
        if (fd !== undefined) fs.closeSync(fd);
      } catch {
        /* already closed */
      }
    }
  }
}
