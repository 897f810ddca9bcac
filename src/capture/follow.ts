// `looptap view --follow` on a capture that grows and rotates. Reads to the end, waits, reads
// what was added; and when the path is replaced (rotation renamed it to FILE.1 and a new FILE
// started: the inode changed) or shrank (a new run truncated it), it finishes the old file and
// goes on with the new one from its header. Like `tail -F`, but line- and header-aware.
//
//   FILE (inode A) ... EOF ─ stat: inode B ─▶ open the next newer name now (pinned by its fd)
//                                           ─▶ drain A until quiet (the writer may still flush it)
//                                           ─▶ read the pinned file from its header, go on
//
// The next file is found by name order (FILE.2 -> FILE.1 -> FILE), so a rotation that happens
// while we drain is not skipped; only rotations faster than the poll can outrun the reader.

import fs from 'node:fs';
import type { CaptureEvent } from '../events.js';
import { CaptureLines, openCapture, readAt } from './reader.js';

const POLL_MS = 200;
/** how long a replaced file must stay quiet before we leave it for the new one */
const SETTLE_MS = 300;
/** the most rotated names looked at (--capture-keep allows up to 1000) */
const MAX_KEEP = 1000;

export interface FollowOptions {
  signal?: AbortSignal;
  pollMs?: number;
}

export async function* followCapture(
  path: string,
  opts: FollowOptions = {},
): AsyncGenerator<CaptureEvent> {
  const poll = opts.pollMs ?? POLL_MS;
  const aborted = (): boolean => opts.signal?.aborted ?? false;
  let fd = openCapture(path);
  let ino = fs.fstatSync(fd).ino;
  let position = 0;
  let lines = new CaptureLines(path);
  let quietSince: number | undefined;
  /** the file after this one, opened as soon as the rotation is seen */
  let next: number | undefined;
  const buf = Buffer.allocUnsafe(1024 * 1024);
  try {
    while (!aborted()) {
      const n = await readAt(fd, buf, position);
      if (n > 0) {
        quietSince = undefined;
        position += n;
        yield* lines.push(buf.subarray(0, n));
        continue;
      }
      // at the end of what is there: has the path moved on?
      const now = statOrUndefined(path);
      if (now !== undefined && now.ino === ino && now.size < position) {
        // a new run truncated the file in place: start over at its header
        position = 0;
        lines.close();
        lines = new CaptureLines(path);
        continue;
      }
      const replaced = now !== undefined && now.ino !== ino;
      if (replaced) {
        // pin the file that comes next now, before another rotation renames it away
        next ??= openNext(path, ino);
        quietSince ??= Date.now();
        // the writer may still be flushing the old file: leave it once it has been quiet
        if (next !== undefined && Date.now() - quietSince >= SETTLE_MS) {
          fs.closeSync(fd);
          fd = next;
          next = undefined;
          ino = fs.fstatSync(fd).ino;
          position = 0;
          lines.close();
          lines = new CaptureLines(path);
          quietSince = undefined;
          continue;
        }
      }
      await new Promise((r) => setTimeout(r, replaced ? Math.min(poll, 50) : poll));
    }
  } finally {
    lines.close();
    fs.closeSync(fd);
    if (next !== undefined) fs.closeSync(next);
  }
}

/** FILE, FILE.1, FILE.2 ... as rotation names them (newest first): the one after `ino` is the
 * next newer name; if `ino` was deleted already, every file left is newer: the oldest is next */
function openNext(path: string, ino: number): number | undefined {
  const chain: Array<{ name: string; ino: number }> = [];
  for (let k = 0; k <= MAX_KEEP; k++) {
    const name = k === 0 ? path : `${path}.${k}`;
    const st = statOrUndefined(name);
    if (!st) {
      if (k === 0) continue;
      break;
    }
    chain.push({ name, ino: st.ino });
  }
  const at = chain.findIndex((c) => c.ino === ino);
  const pick = at === -1 ? chain[chain.length - 1] : chain[at - 1];
  if (!pick) return undefined;
  try {
    return fs.openSync(pick.name, 'r');
  } catch {
    return undefined;
  }
}

function statOrUndefined(path: string): fs.Stats | undefined {
  try {
    return fs.statSync(path);
  } catch {
    // between the rename and the new file (or --capture-keep 0's delete): not there for a moment
    return undefined;
  }
}
