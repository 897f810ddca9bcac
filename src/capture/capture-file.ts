// The capture file: every event as a JSON line, written in batches off the socket path.
// - created 0600 whatever the umask, a symlink at the path is refused (O_NOFOLLOW), an existing
//   file is truncated and its mode fixed;
// - backpressure: when more than HIGH_WATER bytes wait for the disk, write() returns false and
//   the hub pauses the relay until the queue is below LOW_WATER (the capture is complete, and
//   memory stays bounded; research/performance.md: 2.9 GB without this);
// - a disk that fails (ENOSPC, EIO) stops the capture, never the relay: one error report, then
//   events are counted as dropped and the CLI says so at exit (exit code 1).

import fs from 'node:fs';
import { constants } from 'node:fs';
import type { CaptureEvent, DataEvent } from '../events.js';
import { CAPTURE_FORMAT, CAPTURE_VERSION, LEVEL } from '../events.js';
import type { Sink } from './hub.js';
import { describe } from './hub.js';
import { base64Into, dataHead, lineText, toLine } from './line-format.js';
import { LooptapError } from '../util/errors.js';
import { VERSION } from '../version.js';

const HIGH_WATER = 8 * 1024 * 1024;
const LOW_WATER = 2 * 1024 * 1024;
/** Small lines are copied into slabs and written together: one write per small line costs a
 * thread-pool round trip each (research/performance.md point 5), which halved the request rate
 * of redis-benchmark through looptap. A write starts when this much is queued, or FLUSH_MS after
 * the first line, whichever comes first. */
const FLUSH_BYTES = 64 * 1024;
const FLUSH_MS = 20;
const SLAB = 64 * 1024;
const SMALL_LINE = 8 * 1024;
/** data chunks up to this size are base64-encoded straight into the slab (see base64Into) */
const SMALL_B64 = 512;
/** the most buffers one writev takes (IOV_MAX is 1024 on Linux) */
const MAX_IOV = 1024;

export class CaptureFile implements Sink {
  readonly name: string;
  private queue: Buffer[] = [];
  /** events in each queue entry, to count what a failed disk loses */
  private counts: number[] = [];
  private queued = 0;
  private slab?: Buffer;
  private slabPos = 0;
  private slabEvents = 0;
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

  constructor(
    private fd: number,
    readonly path: string,
  ) {
    this.name = `capture file ${path}`;
  }

  write(event: CaptureEvent): boolean {
    if (this.failure || this.closed) {
      this.dropped++;
      return true;
    }
    // lines go straight into the slab: no Buffer per line, no intermediate copy
    if (event.type === 'data') this.appendData(event);
    else this.appendText(lineText(event));
    this.schedule();
    if (this.queued > HIGH_WATER) this.blocked = true;
    return !this.blocked;
  }

  private appendData(e: DataEvent): void {
    const head = dataHead(e);
    const n = e.bytes.length;
    const b64 = 4 * Math.ceil(n / 3);
    // UTF-8 takes at most 3 bytes per UTF-16 unit of the head (non-ASCII only in a route name)
    const max = head.length * 3 + b64 + 3;
    if (max > SMALL_LINE) {
      this.appendBig(toLine(e));
      return;
    }
    const slab = this.room(max);
    let pos = this.slabPos;
    const start = pos;
    pos += slab.write(head, pos, 'utf8');
    if (n <= SMALL_B64) pos = base64Into(e.bytes, slab, pos);
    else pos += slab.write(e.bytes.toString('base64'), pos, 'latin1');
    slab[pos] = 0x22; // "}\n
    slab[pos + 1] = 0x7d;
    slab[pos + 2] = 0x0a;
    pos += 3;
    this.slabPos = pos;
    this.queued += pos - start;
    this.slabEvents++;
  }

  private appendText(line: string): void {
    let max = line.length * 3;
    if (max > SMALL_LINE) {
      max = Buffer.byteLength(line, 'utf8');
      if (max > SMALL_LINE) {
        this.appendBig(Buffer.from(line, 'utf8'));
        return;
      }
    }
    const slab = this.room(max);
    const n = slab.write(line, this.slabPos, 'utf8');
    this.slabPos += n;
    this.queued += n;
    this.slabEvents++;
  }

  /** a line too large for the slab goes into the queue as it is */
  private appendBig(line: Buffer): void {
    this.queued += line.length;
    this.seal();
    this.queue.push(line);
    this.counts.push(1);
  }

  /** the slab to write the next `n` bytes into (a fresh one when the current one is too full) */
  private room(n: number): Buffer {
    if (!this.slab || this.slabPos + n > this.slab.length) {
      this.seal();
      this.slab = Buffer.allocUnsafe(SLAB);
    }
    return this.slab;
  }

  /** moves the slab being filled into the queue */
  private seal(): void {
    if (this.slab && this.slabPos > 0) {
      this.queue.push(this.slab.subarray(0, this.slabPos));
      this.counts.push(this.slabEvents);
    }
    this.slab = undefined;
    this.slabPos = 0;
    this.slabEvents = 0;
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
    this.seal();
    if (this.writing || this.queue.length === 0 || this.failure) return this.settle();
    this.writing = true;
    const batch = this.queue.splice(0, MAX_IOV);
    this.counts.splice(0, batch.length);
    const size = batch.reduce((n, b) => n + b.length, 0);
    fs.writev(this.fd, batch, (err, n) => {
      this.writing = false;
      if (err) return this.fail(err);
      this.written += n;
      this.queued -= size;
      if (n < size) {
        // a short write: put the unwritten tail back in front
        const rest = Buffer.concat(batch).subarray(n);
        this.queue.unshift(rest);
        this.counts.unshift(1);
        this.queued += rest.length;
      }
      if (this.blocked && this.queued < LOW_WATER) {
        this.blocked = false;
        this.drainFn?.();
      }
      if (this.queued >= FLUSH_BYTES || this.closing) this.flush();
      else if (this.queued > 0) this.schedule();
      else this.settle();
    });
  }

  private settle(): void {
    if (!this.writing && (this.queue.length === 0 || this.failure)) {
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
    this.seal();
    this.dropped += this.counts.reduce((a, b) => a + b, 0);
    this.queue = [];
    this.counts = [];
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
  }

  /** last resort on a second Ctrl-C: write what is queued synchronously and close */
  closeSync(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    this.seal();
    try {
      if (!this.failure && !this.writing) for (const b of this.queue) fs.writeSync(this.fd, b);
    } catch {
      /* the process is exiting; nothing better to do */
    }
    try {
      fs.closeSync(this.fd);
    } catch {
      /* already closed */
    }
  }
}

/** Opens (creates or truncates) a capture file and writes its header line. */
export async function openCaptureFile(path: string): Promise<CaptureFile> {
  let fd: number;
  try {
    fd = await new Promise<number>((resolve, reject) =>
      fs.open(
        path,
        constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW,
        0o600,
        (err, fd) => (err ? reject(err) : resolve(fd)),
      ),
    );
  } catch (err) {
    throw captureOpenError(path, err as NodeJS.ErrnoException);
  }
  const st = fs.fstatSync(fd);
  if (!st.isFile() && !st.isCharacterDevice()) {
    fs.closeSync(fd);
    throw new LooptapError(
      'CAPTURE_NOT_FILE',
      `capture path ${path} is not a regular file: give a file path`,
    );
  }
  // an existing file keeps its old mode through O_CREAT, and umask can widen nothing here but
  // could narrow it; make it 0600 either way (a character device such as /dev/full is left alone)
  if (st.isFile()) fs.fchmodSync(fd, 0o600);
  const file = new CaptureFile(fd, path);
  file.write({
    type: 'header',
    time: Date.now(),
    level: LEVEL.info,
    msg: 'looptap capture',
    format: CAPTURE_FORMAT,
    version: CAPTURE_VERSION,
    looptap: VERSION,
  });
  return file;
}

function captureOpenError(path: string, err: NodeJS.ErrnoException): LooptapError {
  const fix: Record<string, string> = {
    ELOOP: 'it is a symbolic link, which looptap refuses to follow; give the real file path',
    ENOENT: 'its directory does not exist; create it first',
    ENOTDIR: 'a part of the path is not a directory; check the path',
    EISDIR: 'it is a directory; give a file name inside it',
    EACCES: 'permission denied; pick a path you can write',
    EPERM: 'permission denied; pick a path you can write',
    EROFS: 'the file system is read-only; pick another path',
  };
  const why = fix[err.code ?? ''] ?? describe(err);
  return new LooptapError(err.code ?? 'CAPTURE_OPEN', `cannot write capture ${path}: ${why}`);
}
