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
  /** keep reading as the file grows (view --follow); stops when `signal` aborts */
  follow?: boolean;
  signal?: AbortSignal;
  /** a last line without a newline is accepted (a capture still being written may end mid-line
   * only in follow mode, where we wait for the rest) */
}

export async function* readCapture(
  path: string,
  opts: ReadOptions = {},
): AsyncGenerator<CaptureEvent> {
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
  const decoder = new StringDecoder('utf8');
  const buf = Buffer.allocUnsafe(1024 * 1024);
  let pending = '';
  let lineNo = 0;
  let position = 0;
  try {
    for (;;) {
      const n = await new Promise<number>((resolve, reject) =>
        fs.read(fd, buf, 0, buf.length, position, (err, n) => (err ? reject(err) : resolve(n))),
      );
      if (n === 0) {
        if (opts.follow && !opts.signal?.aborted) {
          await new Promise((r) => setTimeout(r, 200));
          if (!opts.signal?.aborted) continue;
        }
        break;
      }
      position += n;
      pending += decoder.write(buf.subarray(0, n));
      let nl: number;
      let start = 0;
      while ((nl = pending.indexOf('\n', start)) !== -1) {
        const line = pending.slice(start, nl);
        start = nl + 1;
        lineNo++;
        const e = parse(path, lineNo, line);
        if (e) yield e;
      }
      pending = pending.slice(start);
      if (pending.length > MAX_LINE) {
        throw new CaptureReadError(
          path,
          lineNo + 1,
          `line longer than ${MAX_LINE} bytes: not a capture file`,
        );
      }
    }
    pending += decoder.end();
    if (pending.trim() !== '') {
      lineNo++;
      // the last line has no newline: a capture cut off while it was written
      let e: CaptureEvent | undefined;
      try {
        e = parse(path, lineNo, pending);
      } catch {
        throw new CaptureReadError(
          path,
          lineNo,
          'the last line is cut off (the capture was truncated); everything before it is intact',
        );
      }
      if (e) yield e;
    }
    if (lineNo === 0)
      throw new CaptureReadError(path, 1, 'the file is empty: not a looptap capture');
  } finally {
    fs.closeSync(fd);
  }
}

function parse(path: string, lineNo: number, line: string): CaptureEvent | undefined {
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
