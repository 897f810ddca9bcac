// What main() hands every command: the operational log, and where the command's exit code goes.
// A command's run function returns its code; `exits` wires that into yargs' handler, whose own
// return value yargs drops. One context per main() call: no module-level exit state.

import type { Argv } from 'yargs';
import type { Log } from '../log/log.js';

export interface CliContext {
  log: Log;
  /** the log's resolved format; `--json` runs keep stderr quiet unless it is json too */
  logFormat: 'plain' | 'pretty' | 'json';
  /** takes the exit code of the command that ran */
  done(code: number): void;
}

export type Register = (y: Argv, ctx: CliContext) => Argv;

/** a yargs handler from a run function that returns its exit code */
export function exits<A>(ctx: CliContext, run: (a: A) => Promise<number>): (a: A) => Promise<void> {
  return async (a) => ctx.done(await run(a));
}

/** the flags a run function takes, by their camelCase names (yargs sets both spellings): one
 * line per command instead of a `name: a.name` line per flag */
export function pick<A extends object, K extends keyof A>(a: A, ...keys: K[]): Pick<A, K> {
  const out = {} as Pick<A, K>;
  for (const k of keys) out[k] = a[k];
  return out;
}
