// The command line: yargs turns argv into typed flags and calls a command (commands/index.ts).
// This is the only place that knows about exit codes and the one-line error format of
// CONTRACT.md: a LooptapError prints its message alone; anything else is a bug and says so.

import yargs from 'yargs';
import { LooptapError, usageError } from '../util/errors.js';
import { VERSION } from '../version.js';
import { commands } from './commands/index.js';
import { exit } from './options.js';

export async function main(argv: string[]): Promise<number> {
  exit.code = 0;
  const debug = argv.includes('--debug');
  try {
    let y = yargs(argv)
      .scriptName('looptap')
      .usage(
        'looptap: a loopback TCP/HTTP proxy that shows, decodes, captures and replays what passes',
      );
    for (const register of commands) y = register(y);
    await y
      .option('debug', {
        type: 'boolean',
        default: false,
        describe: 'print stack traces of failures',
      })
      .strictCommands()
      .strictOptions()
      .exitProcess(false)
      .help()
      .version(VERSION)
      .wrap(Math.min(110, process.stdout.columns ?? 100))
      .fail((msg, err) => {
        if (err) throw err;
        // yargs may say it on several lines; the contract is one line
        throw usageError('USAGE', `${msg.replace(/\s*\n\s*/g, ' ')}; see looptap --help`);
      })
      .parseAsync();
  } catch (err) {
    if (err instanceof LooptapError) {
      process.stderr.write(`looptap: ${err.message}\n`);
      if (debug && err.stack) process.stderr.write(err.stack + '\n');
      return err.exit;
    }
    const e = err as Error;
    process.stderr.write(
      `looptap: unexpected failure: ${e?.message ?? String(err)}; rerun with --debug and report it\n`,
    );
    if (debug && e?.stack) process.stderr.write(e.stack + '\n');
    return 1;
  }
  return exit.code;
}
