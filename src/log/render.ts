// The three faces of the operational log. pino hands each accepted record to a destination as a
// JSON line; json writes it as it is, pretty runs it through pino-pretty's formatter, plain
// prints the `looptap: message` line that looptap has always printed (tests and scripts read
// those lines, docs/logging.md). Writes are synchronous so that a record is out before the
// next one and before any process.exit().

import fs from 'node:fs';
import { createRequire } from 'node:module';
import type { Say } from './log.js';

export type LogFormat = 'plain' | 'pretty' | 'json';

export interface Destination {
  /** what the next record says, in the words the plain format prints */
  next(msg: string, say: Say, now: boolean): void;
  /** pino's JSON line of that record */
  write(json: string): void;
}

const require = createRequire(import.meta.url);

export function destinationFor(
  format: LogFormat,
  name: string,
  write: (text: string, now: boolean) => void = toStderr,
): Destination {
  let pending: { msg: string; say: Say; now: boolean } = { msg: '', say: {}, now: false };
  const tail = (): string => (pending.say.lines ?? []).map((l) => l + '\n').join('');
  let pretty: ((json: string) => string) | undefined;
  if (format === 'pretty') {
    const { prettyFactory } = require('pino-pretty') as typeof import('pino-pretty');
    pretty = prettyFactory({
      colorize: Boolean(process.stderr.isTTY) && !process.env.NO_COLOR,
      translateTime: 'HH:MM:ss.l',
      // the lines follow the record as they are; the summary's numbers are for json readers
      ignore: 'lines,summary',
    }) as (json: string) => string;
  }
  return {
    next(msg, say, now) {
      pending = { msg, say, now };
    },
    write(json) {
      let text: string;
      if (format === 'json') text = json;
      else if (pretty) text = pretty(json) + tail();
      else text = `${pending.say.bare ? '' : name + ': '}${pending.msg}\n${tail()}`;
      write(text, pending.now);
    },
  };
}

function toStderr(text: string, now: boolean): void {
  if (!now) {
    process.stderr.write(text);
    return;
  }
  try {
    fs.writeSync(2, text);
  } catch {
    /* a full, non-blocking pipe (EAGAIN): the exit code has to say it */
  }
}
