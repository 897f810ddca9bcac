// Opening a capture file for writing, and what is refused before anything is written
// (docs/capture-format.md, "Files"):
// - a symbolic link at the path (O_NOFOLLOW): exit 1, as for any path that cannot be written;
// - a FIFO, a socket, a directory: exit 2. A FIFO with no reader would block open() for good
//   (found by hand: `--capture fifo` hung at start with no message); O_NONBLOCK turns that into
//   ENXIO, and fstat catches a FIFO that has a reader;
// - a non-empty regular file unless --overwrite: exit 2. It used to be truncated silently. There
//   is no --append: conn ids and exchange ids restart at 1 in every run, so two runs in one file
//   would be two connections #1 that readers (view --conn, replay, export) cannot tell apart.
// Character devices (/dev/null, /dev/full) are accepted: they are how tests and users discard
// or break a capture on purpose.

import fs from 'node:fs';
import { constants } from 'node:fs';
import { CAPTURE_FORMAT, LEVEL } from '../events.js';
import { PROTOCOLS } from '../decoders/registry.js';
import { describe } from './hub.js';
import { CaptureFile } from './capture-file.js';
import { payloadPath } from './payload-file.js';
import { LooptapError } from '../util/errors.js';
import { VERSION } from '../version.js';

export interface OpenOptions {
  /** replace a non-empty existing file (--overwrite); without it such a file is refused */
  overwrite?: boolean;
  /** 1: payloads as base64 in the lines (one self-contained file); 2: raw payload bytes in
   * FILE.bin beside the lines (payload-file.ts). A device has no place for a second file: 1. */
  format?: 1 | 2;
}

/** the format a regular capture file gets when none is asked for */
export const DEFAULT_FORMAT: 1 | 2 = 1;

/** Opens a capture file and writes its header line. Refused, before anything is written: a
 * symbolic link (O_NOFOLLOW), anything but a regular file or a character device (a FIFO would
 * block the open until a reader came: O_NONBLOCK makes that ENXIO, and an existing FIFO with a
 * reader is refused by fstat), and a non-empty file unless `overwrite`. */
export async function openCaptureFile(path: string, o: OpenOptions = {}): Promise<CaptureFile> {
  let fd = await openNoFollow(path);
  let st = fs.fstatSync(fd);
  if (!st.isFile() && !st.isCharacterDevice()) {
    fs.closeSync(fd);
    throw notAFile(path, st);
  }
  if (st.isCharacterDevice()) {
    // /dev/null, /dev/full: opened again in blocking mode, so writes never fail with EAGAIN
    fs.closeSync(fd);
    try {
      fd = await openFd(path, constants.O_WRONLY | constants.O_NOFOLLOW);
    } catch (err) {
      throw captureOpenError(path, err as NodeJS.ErrnoException);
    }
    st = fs.fstatSync(fd);
  }
  if (st.isFile()) emptyUnlessOverwrite(fd, st, `capture ${path}`, o.overwrite ?? false);
  // an existing file keeps its old mode through O_CREAT, and umask can widen nothing here but
  // could narrow it; make it 0600 either way (a character device such as /dev/full is left alone)
  if (st.isFile()) fs.fchmodSync(fd, 0o600);
  const format = st.isFile() ? (o.format ?? DEFAULT_FORMAT) : 1;
  let payloadFd: number | undefined;
  if (format === 2) {
    try {
      payloadFd = await openPayload(payloadPath(path), o.overwrite ?? false);
    } catch (err) {
      fs.closeSync(fd);
      throw err;
    }
  }
  const file = new CaptureFile(fd, path, payloadFd);
  file.write({
    type: 'header',
    time: Date.now(),
    level: LEVEL.info,
    msg: 'looptap capture',
    format: CAPTURE_FORMAT,
    version: format,
    looptap: VERSION,
    exchanges: [...PROTOCOLS],
  });
  return file;
}

/** the payload file follows the capture's rules: no link, regular, empty unless overwrite */
async function openPayload(path: string, overwrite: boolean): Promise<number> {
  const fd = await openNoFollow(path);
  const st = fs.fstatSync(fd);
  if (!st.isFile()) {
    fs.closeSync(fd);
    throw notAFile(path, st);
  }
  emptyUnlessOverwrite(fd, st, `payload file ${path}`, overwrite);
  fs.fchmodSync(fd, 0o600);
  return fd;
}

/** O_NONBLOCK: a FIFO with no reader is ENXIO at once instead of a hang */
async function openNoFollow(path: string): Promise<number> {
  try {
    return await openFd(
      path,
      constants.O_WRONLY | constants.O_CREAT | constants.O_NOFOLLOW | constants.O_NONBLOCK,
    );
  } catch (err) {
    throw captureOpenError(path, err as NodeJS.ErrnoException);
  }
}

/** a non-empty file is an earlier capture: replaced only with --overwrite */
function emptyUnlessOverwrite(fd: number, st: fs.Stats, what: string, overwrite: boolean): void {
  if (st.size === 0) return;
  if (!overwrite) {
    fs.closeSync(fd);
    throw new LooptapError(
      'CAPTURE_EXISTS',
      `${what} already holds ${st.size} bytes (an earlier capture?): add --overwrite to replace it, or pick a new path`,
      2,
    );
  }
  fs.ftruncateSync(fd, 0);
}

function openFd(path: string, flags: number): Promise<number> {
  return new Promise<number>((resolve, reject) =>
    fs.open(path, flags, 0o600, (err, fd) => (err ? reject(err) : resolve(fd))),
  );
}

function notAFile(path: string, st: fs.Stats): LooptapError {
  const kind = st.isFIFO()
    ? 'a FIFO (named pipe)'
    : st.isSocket()
      ? 'a socket'
      : st.isDirectory()
        ? 'a directory'
        : 'not a regular file';
  return new LooptapError(
    'CAPTURE_NOT_FILE',
    `capture path ${path} is ${kind}: give a regular file path (to stream events, use --json on stdout)`,
    2,
  );
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
    ENXIO:
      'it is a FIFO (named pipe) with no reader, and looptap writes captures to regular files only; give a file path (to stream events, use --json on stdout)',
  };
  const why = fix[err.code ?? ''] ?? describe(err);
  // a FIFO is the wrong kind of path (usage); the rest are files that cannot be written (runtime)
  return new LooptapError(
    err.code ?? 'CAPTURE_OPEN',
    `cannot write capture ${path}: ${why}`,
    err.code === 'ENXIO' ? 2 : 1,
  );
}
