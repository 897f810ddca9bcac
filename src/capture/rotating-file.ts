// The capture for long runs: a Sink in front of one CaptureFile at a time. Before each write it
// checks whether the line would push the current file past `maxSize`; if so the file is rotated
//
//   capture.jsonl -> capture.jsonl.1 -> ... -> capture.jsonl.N (the oldest is deleted)
//
// and a fresh capture.jsonl (0600, its own header line) takes the next event. Renaming a file
// that is still being flushed is safe: the old CaptureFile writes through its fd, not its name.
// It also applies --max-payload: the capture keeps only the first BYTES of a data event, marked
// `truncated` with the original `len`, so that a 200 MB transfer need not mean 270 MB of base64.
// Backpressure: the current file's (and, while a new file opens, our own) is passed to the hub.

import fs from 'node:fs';
import type { CaptureEvent, DataEvent } from '../events.js';
import type { Sink } from './hub.js';
import { describe } from './hub.js';
import { openCaptureFile, type CaptureFile, type OpenOptions } from './capture-file.js';
import { payloadPath } from './payload-file.js';
import { sharedLineText } from './line-memo.js';
import { LooptapError } from '../util/errors.js';

export interface RotatingOptions {
  /** rotate before a file would grow past this many bytes (0 or absent: never) */
  maxSize?: number;
  /** rotated files kept beside the current one (default 3) */
  keep?: number;
  /** the most payload bytes kept per data event (absent: all) */
  maxPayload?: number;
  /** capture format (capture-file.ts) */
  format?: OpenOptions['format'];
  /** --overwrite: the first file may replace a non-empty one */
  overwrite?: boolean;
}

/** the most a data line's JSON around the base64 can take, plus the route name */
const DATA_LINE_OVERHEAD = 320;

export class RotatingCaptureFile implements Sink {
  readonly name: string;
  /** events not written because a file failed or could not be opened */
  private lostHere = 0;
  /** bytes written by the files already rotated away */
  private writtenBefore = 0;
  private droppedBefore = 0;
  /** bytes the current file holds or will hold once its queue is flushed */
  private size = 0;
  private opening?: Promise<void>;
  private pending: CaptureEvent[] = [];
  private drainFn?: () => void;
  private errorFn?: (err: LooptapError) => void;
  private waitingDrain = false;
  private closing = false;
  /** rotated-away files still flushing their queue */
  private retiring = new Map<CaptureFile, Promise<void>>();
  /** how many times a new file was started */
  rotations = 0;
  /** data events whose payload --max-payload cut */
  truncated = 0;

  private constructor(
    private file: CaptureFile,
    readonly path: string,
    private readonly o: RotatingOptions,
  ) {
    this.name = `capture file ${path}`;
    this.size = file.written + headerEstimate();
    this.watch(file);
  }

  static async open(path: string, o: RotatingOptions = {}): Promise<RotatingCaptureFile> {
    const keep = o.keep ?? 3;
    if (o.maxSize !== undefined && o.maxSize > 0 && o.maxSize < 4096) {
      throw new LooptapError(
        'BAD_CAPTURE_SIZE',
        `--capture-max-size ${o.maxSize} is too small: give at least 4KB, e.g. 10MB`,
        2,
      );
    }
    const first = await openCaptureFile(path, { overwrite: o.overwrite, format: o.format });
    return new RotatingCaptureFile(first, path, { ...o, keep });
  }

  get written(): number {
    let n = this.writtenBefore + this.file.written;
    for (const f of this.retiring.keys()) n += f.written;
    return n;
  }

  get dropped(): number {
    let n = this.droppedBefore + this.file.dropped + this.lostHere;
    for (const f of this.retiring.keys()) n += f.dropped;
    return n;
  }

  get failure(): LooptapError | undefined {
    return this.file.failure;
  }

  write(event: CaptureEvent): boolean {
    if (this.closing) {
      this.lostHere++;
      return true;
    }
    const e = this.cut(event);
    if (this.opening) {
      this.pending.push(e);
      return false;
    }
    const max = this.o.maxSize ?? 0;
    if (max > 0) {
      const n = lineSize(e, this.file.format);
      // a file always takes at least one event, or an event larger than the cap would loop
      if (this.size + n > max && this.size > headerEstimate()) {
        this.pending.push(e);
        this.rotate();
        return false;
      }
      this.size += n;
    }
    return this.pass(this.file.write(e));
  }

  onDrain(fn: () => void): void {
    this.drainFn = fn;
  }

  onError(fn: (err: LooptapError) => void): void {
    this.errorFn = fn;
  }

  async close(): Promise<void> {
    await this.opening;
    this.closing = true;
    await this.file.close();
    await Promise.all(this.retiring.values());
  }

  closeSync(): void {
    this.closing = true;
    for (const f of this.retiring.keys()) f.closeSync();
    this.file.closeSync();
  }

  private pass(ok: boolean): boolean {
    if (!ok) this.waitingDrain = true;
    return ok;
  }

  private watch(file: CaptureFile): void {
    file.onDrain(() => {
      if (file !== this.file || this.opening) return;
      this.waitingDrain = false;
      this.drainFn?.();
    });
    file.onError((err) => {
      if (file === this.file) this.errorFn?.(err);
    });
  }

  private cut(e: CaptureEvent): CaptureEvent {
    const max = this.o.maxPayload;
    if (max === undefined || e.type !== 'data' || e.bytes.length <= max) return e;
    this.truncated++;
    // a copy: the live view and other sinks share the event and keep the full bytes
    const cut: DataEvent = { ...e, bytes: e.bytes.subarray(0, max), truncated: true };
    return cut;
  }

  private rotate(): void {
    const old = this.file;
    this.opening = (async () => {
      this.rotations++;
      try {
        shiftNames(this.path, this.o.keep ?? 3);
        // the path was just renamed away; whatever appeared there since is ours to replace
        const next = await openCaptureFile(this.path, { overwrite: true, format: this.o.format });
        this.file = next;
        this.size = headerEstimate();
        this.watch(next);
      } catch (err) {
        // the old file goes on (past its cap) rather than losing the capture
        const why = err instanceof LooptapError ? err.message : describe(err);
        this.errorFn?.(
          new LooptapError('CAPTURE_ROTATE', `cannot rotate capture ${this.path}: ${why}`),
        );
        this.o.maxSize = 0;
      }
      if (this.file !== old) {
        // flushes in the background, into the renamed file
        this.retiring.set(
          old,
          old.close().then(() => {
            this.retiring.delete(old);
            this.writtenBefore += old.written;
            this.droppedBefore += old.dropped;
          }),
        );
      }
    })();
    void this.opening.then(() => {
      this.opening = undefined;
      const queued = this.pending;
      this.pending = [];
      let ok = true;
      for (const e of queued) ok = this.write(e) && ok;
      // events that came during the rotation were held back; say so only if nothing else
      // is still holding the hub
      if (ok && !this.opening) {
        this.waitingDrain = false;
        this.drainFn?.();
      }
    });
  }
}

/** capture.jsonl.(k-1) -> .k, ..., capture.jsonl -> .1; the one past `keep` is deleted */
function shiftNames(path: string, keep: number): void {
  if (keep <= 0) {
    fs.rmSync(path, { force: true });
    fs.rmSync(payloadPath(path), { force: true });
    return;
  }
  fs.rmSync(`${path}.${keep}`, { force: true });
  fs.rmSync(payloadPath(`${path}.${keep}`), { force: true });
  for (let k = keep - 1; k >= 1; k--) {
    renameIfThere(`${path}.${k}`, `${path}.${k + 1}`);
    renameIfThere(payloadPath(`${path}.${k}`), payloadPath(`${path}.${k + 1}`));
  }
  // the payload file first: a reader that sees the new name finds its bytes beside it
  renameIfThere(payloadPath(path), payloadPath(`${path}.1`));
  fs.renameSync(path, `${path}.1`);
}

function renameIfThere(from: string, to: string): void {
  try {
    fs.renameSync(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

/** an upper bound of an event's line; data lines without serializing the payload, other lines
 * exactly, made once: the capture file writes the same text (line-memo.ts) */
function lineSize(e: CaptureEvent, format: 1 | 2): number {
  if (e.type === 'data') {
    // format 2 writes the payload raw into the payload file, and a short line
    const payload = format === 2 ? e.bytes.length : 4 * Math.ceil(e.bytes.length / 3);
    return payload + DATA_LINE_OVERHEAD + (e.route?.length ?? 0) * 2;
  }
  return Buffer.byteLength(sharedLineText(e), 'utf8');
}

function headerEstimate(): number {
  return 160;
}

/** "10MB", "512k", "1GiB", "4096" -> bytes; undefined for anything else */
export function parseSize(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmg]?)(i?b)?\s*$/i.exec(text);
  if (!m) return undefined;
  const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2]!.toLowerCase()] ?? 1;
  return Math.floor(Number(m[1]) * unit);
}
