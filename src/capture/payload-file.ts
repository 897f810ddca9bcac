// Capture format 2 keeps payload bytes raw in a payload file beside the JSON lines
// (`capture.jsonl` + `capture.jsonl.bin`); each data line says where its bytes are (`at`). Why:
// base64 made the disk write 1.33 bytes per payload byte and cost more CPU than the relay itself
// (docs/benchmarks.md, "Capture"). The lines stay readable by jq and pino tools.
//
// Order is the crash-safety rule: a batch of payload bytes is written before the lines that point
// into it, so a capture cut by SIGKILL reads back up to its last complete line.

import fs from 'node:fs';
import { LooptapError } from '../util/errors.js';

export const payloadPath = (capturePath: string): string => `${capturePath}.bin`;

/** the most buffers one writev takes (IOV_MAX is 1024 on Linux) */
export const MAX_IOV = 1024;

/** Writes all of `bufs` at the fd's position, in writev calls of at most MAX_IOV buffers, going
 * on after short writes; calls back once, with the first error or with the bytes written. */
export function writevAll(
  fd: number,
  bufs: Buffer[],
  cb: (err: NodeJS.ErrnoException | null, written: number) => void,
): void {
  let i = 0;
  let total = 0;
  const next = (): void => {
    if (i >= bufs.length) return cb(null, total);
    const batch = bufs.slice(i, i + MAX_IOV);
    const size = batch.reduce((n, b) => n + b.length, 0);
    fs.writev(fd, batch, (err, n) => {
      if (err) return cb(err, total);
      total += n;
      if (n < size) {
        // a short write: drop what went out and go on with the rest
        let skip = n;
        let k = i;
        while (skip >= bufs[k]!.length) skip -= bufs[k++]!.length;
        bufs[k] = bufs[k]!.subarray(skip);
        i = k;
      } else i += batch.length;
      next();
    });
  };
  next();
}

/** The writer's side: payload bytes queued by reference (no copy) until the next flush. */
export class PayloadQueue {
  private queue: Buffer[] = [];
  /** where the next byte will land in the payload file */
  end = 0;
  queued = 0;

  constructor(readonly fd: number) {}

  /** queues `bytes` and returns their offset in the payload file */
  push(bytes: Buffer): number {
    const at = this.end;
    if (bytes.length === 0) return at;
    this.queue.push(bytes);
    this.end += bytes.length;
    this.queued += bytes.length;
    return at;
  }

  take(): { bufs: Buffer[]; size: number } {
    const out = { bufs: this.queue, size: this.queued };
    this.queue = [];
    this.queued = 0;
    return out;
  }

  writeSync(): void {
    for (const b of this.take().bufs) fs.writeSync(this.fd, b);
  }
}

/** The reader's side: fills format-2 data events from the payload file, by position. */
export class PayloadReader {
  private fd?: number;

  constructor(readonly capturePath: string) {}

  open(line: number): number {
    const path = payloadPath(this.capturePath);
    if (this.fd === undefined) {
      try {
        this.fd = fs.openSync(path, 'r');
      } catch (err) {
        throw new LooptapError(
          'BAD_CAPTURE',
          `${this.capturePath}:${line}: its payload file ${path} is missing (${(err as NodeJS.ErrnoException).code}); keep the .bin file beside the capture`,
          2,
        );
      }
    }
    return this.fd;
  }

  read(at: number, n: number, line: number): Buffer {
    const path = payloadPath(this.capturePath);
    const fd = this.open(line);
    const buf = Buffer.allocUnsafe(n);
    let got = 0;
    while (got < n) {
      const k = fs.readSync(fd, buf, got, n - got, at + got);
      if (k === 0) break;
      got += k;
    }
    if (got < n) {
      throw new LooptapError(
        'BAD_CAPTURE',
        `${this.capturePath}:${line}: the payload file ${path} ends at byte ${at + got}, before this event's ${n} bytes at ${at}: it was cut or belongs to another capture`,
        2,
      );
    }
    return buf;
  }

  close(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }
}
