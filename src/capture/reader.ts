// Reads a capture file back as events, streaming line by line: the first line must be the
// header, unknown event types pass through (readers ignore them), and a bad line stops with
// CaptureReadError naming the file and line. A line longer than MAX_LINE (64 MiB) is refused
// with bounded memory (a corrupt file can be one huge line).

import fs from 'node:fs';
import type { CaptureEvent, HeaderEvent } from '../events.js';
import { CAPTURE_FORMAT, CAPTURE_VERSION } from '../events.js';
import { fromLine, payloadOf } from './line-format.js';
import { PayloadReader } from './payload-file.js';
import { LooptapError } from '../util/errors.js';

const MIB = 1024 * 1024;
/** the longest line read (docs/capture-format.md, "Reading"); looptap's own lines are at most a
 * few MiB: a data chunk of a socket read, a value cut at --max-value */
export const MAX_LINE = 64 * MIB;

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
 * view --follow, which restarts it at each new file). Lines are cut on the newline byte, which
 * never occurs inside a UTF-8 sequence, and decoded whole; the bytes of a line still waiting for
 * its newline are kept as copied parts and refused past MAX_LINE, so a corrupt or foreign file
 * with one huge line costs at most MAX_LINE of memory (it used to be a string concatenated and
 * searched again on every read: 1 GB and 68 s for a 200 MB line). */
export class CaptureLines {
  private parts: Buffer[] = [];
  private partBytes = 0;
  lineNo = 0;
  private payload?: PayloadReader;

  constructor(readonly path: string) {}

  /** format 2: the bytes of a data event come from the payload file */
  private filled(e: CaptureEvent): CaptureEvent {
    // open the payload file with the header, while its name still belongs to this capture
    if (e.type === 'header' && e.version === 2) {
      this.payload ??= new PayloadReader(this.path);
      this.payload.open(this.lineNo);
    }
    if (e.type !== 'data') return e;
    const ref = payloadOf(e);
    if (!ref) return e;
    this.payload ??= new PayloadReader(this.path);
    const { ref: _ref, ...rest } = e as typeof e & { ref: unknown };
    return { ...rest, bytes: this.payload.read(ref.at, ref.stored, this.lineNo) };
  }

  close(): void {
    this.payload?.close();
  }

  *push(bytes: Buffer): Generator<CaptureEvent> {
    let start = 0;
    let nl: number;
    while ((nl = bytes.indexOf(0x0a, start)) !== -1) {
      this.check(nl - start);
      let line = bytes.subarray(start, nl);
      if (this.partBytes > 0) {
        line = Buffer.concat([...this.parts, line]);
        this.parts = [];
        this.partBytes = 0;
      }
      start = nl + 1;
      this.lineNo++;
      const e = parseLine(this.path, this.lineNo, line.toString('utf8'));
      if (e) yield this.filled(e);
    }
    if (start < bytes.length) {
      this.check(bytes.length - start);
      // a copy: the caller reads the next bytes into the same buffer
      this.parts.push(Buffer.from(bytes.subarray(start)));
      this.partBytes += bytes.length - start;
    }
  }

  /** the end of the file: a last line without its newline means the capture was cut off */
  *end(): Generator<CaptureEvent> {
    const rest = Buffer.concat(this.parts).toString('utf8');
    this.parts = [];
    this.partBytes = 0;
    if (rest.trim() !== '') {
      this.lineNo++;
      let e: CaptureEvent | undefined;
      try {
        e = parseLine(this.path, this.lineNo, rest);
      } catch {
        throw new CaptureReadError(
          this.path,
          this.lineNo,
          'the last line is cut off (the capture was truncated); everything before it is intact',
        );
      }
      if (e) yield this.filled(e);
    }
    if (this.lineNo === 0) {
      throw new CaptureReadError(this.path, 1, 'the file is empty: not a looptap capture');
    }
  }

  /** refuses the line being read once it would grow past MAX_LINE with `more` bytes */
  private check(more: number): void {
    if (this.partBytes + more <= MAX_LINE) return;
    this.parts = [];
    this.partBytes = 0;
    throw new CaptureReadError(
      this.path,
      this.lineNo + 1,
      `line longer than ${MAX_LINE / MIB} MiB: not a looptap capture (its lines stay far below that), or a corrupt one`,
    );
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
    lines.close();
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
