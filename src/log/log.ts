// looptap's own operational log on stderr: warnings, failures, the UI address, the end-of-run
// summary and shutdown trouble (docs/logging.md). Every record goes through one pino logger, so
// `--log-level` is pino's level filter and `--log-format json` gives pino's JSON lines; the
// plain and pretty formats only render what pino accepted. The event stream (stdout, the
// capture, --transport) is not this log.
//
// pino is required on the first record, not at start-up: most commands log nothing when all
// goes well, and loading pino cost 45-100 ms of start-up on this machine (docs/logging.md).

import { createRequire } from 'node:module';
import type { Logger } from 'pino';
import { destinationFor, type Destination, type LogFormat } from './render.js';

export type { LogFormat } from './render.js';
export const LOG_FORMATS = ['auto', 'plain', 'pretty', 'json'] as const;
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface LogFields {
  /** the error code of a LooptapError, a Node errno code */
  code?: string;
  [key: string]: unknown;
}

export interface Say {
  /** extra lines printed beneath the message (a table); JSON carries them as `lines` */
  lines?: string[];
  /** plain format: print the message without the `looptap: ` prefix (`ui: URL`) */
  bare?: boolean;
}

export interface Log {
  info(msg: string, fields?: LogFields, say?: Say): void;
  warn(msg: string, fields?: LogFields, say?: Say): void;
  error(msg: string, fields?: LogFields, say?: Say): void;
  /** written synchronously, or not at all: for the last words before process.exit() */
  errorNow(msg: string, fields?: LogFields): void;
  enabled(level: 'info' | 'warn' | 'error'): boolean;
  /** the same log under another prefix ("looptap demo"); json lines carry it as `name` */
  named(name: string): Log;
}

export interface LogOptions {
  format?: (typeof LOG_FORMATS)[number];
  level?: LogLevel;
  /** the plain prefix: "looptap" ("looptap demo" for the demo's narration) */
  name?: string;
  /** where lines go (tests); default stderr */
  write?: (text: string, now: boolean) => void;
}

const require = createRequire(import.meta.url);

/** `auto`: pretty when stderr is a terminal, plain lines (exactly looptap 0.2's) otherwise */
export function resolveFormat(f: LogOptions['format'], isTty: boolean): LogFormat {
  if (f === undefined || f === 'auto') return isTty ? 'pretty' : 'plain';
  return f;
}

export function createLog(o: LogOptions = {}): Log {
  const format = resolveFormat(o.format, Boolean(process.stderr.isTTY));
  const level = o.level ?? 'info';
  let logger: Logger | undefined;
  let dest: Destination | undefined;
  const get = (): { logger: Logger; dest: Destination } => {
    if (!logger || !dest) {
      dest = destinationFor(format, o.name ?? 'looptap', o.write);
      const pino = require('pino') as typeof import('pino').default;
      // no pid or hostname: these lines describe one process on one machine, the user's own
      const name = o.name ?? 'looptap';
      logger = pino({ level, base: name === 'looptap' ? undefined : { name } }, dest);
    }
    return { logger, dest };
  };
  const rank = { debug: 20, info: 30, warn: 40, error: 50, silent: Infinity }[level];
  const enabled = (l: 'info' | 'warn' | 'error'): boolean =>
    ({ info: 30, warn: 40, error: 50 })[l] >= rank;
  const record =
    (l: 'info' | 'warn' | 'error', now = false) =>
    (msg: string, fields: LogFields = {}, say: Say = {}): void => {
      if (!enabled(l)) return;
      const { logger, dest } = get();
      dest.next(msg, say, now);
      logger[l](say.lines ? { ...fields, lines: say.lines } : fields, msg);
    };
  return {
    info: record('info'),
    warn: record('warn'),
    error: record('error'),
    errorNow: (msg, fields) => record('error', true)(msg, fields),
    enabled,
    named: (name) => createLog({ ...o, name }),
  };
}
