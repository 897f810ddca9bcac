// Where an export writes: stdout for '-', else a temporary file next to the target, created 0600
// with O_NOFOLLOW (the export holds the same bodies as the capture), renamed over the target
// only when the format finished, so a failed export never leaves a half-written file.

import fs from 'node:fs';
import { constants } from 'node:fs';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { LooptapError } from '../util/errors.js';

export async function put(out: Writable, s: string): Promise<void> {
  if (!out.write(s)) await new Promise((r) => out.once('drain', r));
}

export async function withOutput<T>(target: string, fn: (out: Writable) => Promise<T>): Promise<T> {
  if (target === '-') return fn(process.stdout);
  const tmp = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.tmp`);
  let fd: number;
  try {
    fd = fs.openSync(
      tmp,
      constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW,
      0o600,
    );
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new LooptapError(
      e.code ?? 'EXPORT_FAILED',
      `cannot write ${target}: ${e.code === 'ENOENT' ? 'its directory does not exist' : e.message}`,
    );
  }
  const out = fs.createWriteStream('', { fd });
  try {
    const result = await fn(out);
    out.end();
    await finished(out);
    fs.renameSync(tmp, target);
    return result;
  } catch (err) {
    out.destroy();
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}
