// Reads a capture file back as events, streaming line by line: the first line must be the
// header, unknown event types pass through (readers ignore them), and a bad line stops with
// CaptureReadError naming the file and line. A line longer than MAX_LINE is refused rather than
// buffered (a corrupt file can be one huge line).

import fs from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import type { CaptureEvent, HeaderEvent } from '../events.js';
import { CAPTURE_FORMAT, CAPTURE_VERSION } from '../events.js';
import { fromLine } from './line-format.js';
import { LooptapError } from '../util/errors.js';

const MAX_LINE = 256 * 1024 * 1024;

export class CaptureReadError extends LooptapError {
  constructor(
    readonly file: string,
    readonly line: number,
    reason: string,
  ) {
    super('BAD_CAPTURE', `${file}:${line}: ${reason}`, 2);
  }
}

export interface ReadOptions {
  /** stops reading when aborted */
  signal?: AbortSignal;
}

/** Opens a capture for reading; a missing file or a directory is one clear line, exit 2. */
export function openCapture(path: string): number {
  let fd: number;
  try {
    fd = fs.openSync(path, 'r');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why =
      e.code === 'ENOENT'
        ? 'no such file; check the path'
        : e.code === 'EISDIR'
          ? 'it is a directory, not a capture file'
          : `${e.code ?? ''} ${e.message}`;
    throw new LooptapError(e.code ?? 'BAD_CAPTURE', `cannot read capture ${path}: ${why}`, 2);
  }
  if (fs.fstatSync(fd).isDirectory()) {
    fs.closeSync(fd);
    throw new LooptapError(
      'EISDIR',
      `cannot read capture ${path}: it is a directory, not a capture file`,
      2,
    );
  }
  return fd;
}

/** The bytes of one capture file, turned into events line by line (shared by readCapture and
 * view --follow, which restarts it at each new file). */
export class CaptureLines {
  private decoder = new StringDecoder('utf8');
  private pending = '';
  lineNo = 0;

  constructor(readonly path: string) {}

  *push(bytes: Buffer): Generator<CaptureEvent> {
    this.pending += this.decoder.write(bytes);
    let nl: number;
    let start = 0;
    while ((nl = this.pending.indexOf('\n', start)) !== -1) {
      const line = this.pending.slice(start, nl);
      start = nl + 1;
      this.lineNo++;
      const e = parseLine(this.path, this.lineNo, line);
      if (e) yield e;
    }
    this.pending = this.pending.slice(start);
    if (this.pending.length > MAX_LINE) {
      throw new CaptureReadError(
        this.path,
        this.lineNo + 1,
        `line longer than ${MAX_LINE} bytes: not a capture file`,
      );
    }
  }

  /** the end of the file: a last line without its newline means the capture was cut off */
  *end(): Generator<CaptureEvent> {
    this.pending += this.decoder.end();
    if (this.pending.trim() !== '') {
      this.lineNo++;
      let e: CaptureEvent | undefined;
      try {
        e = parseLine(this.path, this.lineNo, this.pending);
      } catch {
        throw new CaptureReadError(
          this.path,
          this.lineNo,
          'the last line is cut off (the capture was truncated); everything before it is intact',
        );
      }
      if (e) yield e;
    }
    if (this.lineNo === 0) {
      throw new CaptureReadError(this.path, 1, 'the file is empty: not a looptap capture');
    }
  }
}

export async function* readCapture(
  path: string,
  opts: ReadOptions = {},
): AsyncGenerator<CaptureEvent> {
  const fd = openCapture(path);
  const lines = new CaptureLines(path);
  const buf = Buffer.allocUnsafe(1024 * 1024);
  let position = 0;
  try {
    while (!opts.signal?.aborted) {
      const n = await readAt(fd, buf, position);
      if (n === 0) {
        yield* lines.end();
        break;
      }
      position += n;
      yield* lines.push(buf.subarray(0, n));
    }
  } finally {
    fs.closeSync(fd);
  }
}

export function readAt(fd: number, buf: Buffer, position: number): Promise<number> {
  return new Promise((resolve, reject) =>
    fs.read(fd, buf, 0, buf.length, position, (err, n) => (err ? reject(err) : resolve(n))),
  );
}

function parseLine(path: string, lineNo: number, line: string): CaptureEvent | undefined {
  if (line.trim() === '') return undefined;
  let e: CaptureEvent;
  try {
    e = fromLine(line);
  } catch (err) {
    throw new CaptureReadError(path, lineNo, (err as Error).message);
  }
  if (lineNo === 1) {
    const h = e as HeaderEvent;
    if (h.type !== 'header' || h.format !== CAPTURE_FORMAT) {
      throw new CaptureReadError(
        path,
        1,
        'not a looptap capture (the first line is not a looptap-capture header)',
      );
    }
    if (typeof h.version !== 'number' || h.version > CAPTURE_VERSION) {
      throw new CaptureReadError(
        path,
        1,
        `capture format version ${String(h.version)} is newer than this looptap reads (${CAPTURE_VERSION}); upgrade looptap`,
      );
    }
  }
  return e;
}
