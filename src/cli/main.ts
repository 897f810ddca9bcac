// The command line: yargs turns argv into typed flags and calls a command (commands/index.ts),
// which returns its exit code. Failures end here as the one-line error of CONTRACT.md, through
// the operational log (src/log/): a LooptapError prints its message alone; anything else is a
// bug and says so.

import yargs from 'yargs';
import { flag } from './options.js';
import { LooptapError, usageError } from '../util/errors.js';
import { VERSION } from '../version.js';
import { commands } from './commands/index.js';
import { createLog, resolveFormat } from '../log/log.js';
import type { CliContext } from './context.js';
import { logFlagsOf, logOptions } from './log-flags.js';

/** options whose value may be a lone `-` (stdout): yargs-parser takes `-` for a positional, so
 * `--out -` failed with "Unknown command: -" while `--out=-` worked */
const DASH_VALUE_OPTIONS = new Set(['--out']);

/** `--out -` -> `--out=-`, before yargs sees it; nothing after `--` is touched */
export function joinDashValues(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') return out.concat(argv.slice(i));
    if (DASH_VALUE_OPTIONS.has(arg) && argv[i + 1] === '-') {
      out.push(`${arg}=-`);
      i++;
    } else out.push(arg);
  }
  return out;
}

export async function main(argv: string[]): Promise<number> {
  argv = joinDashValues(argv);
  const debug = argv.includes('--debug');
  const logFlags = logFlagsOf(argv);
  const log = createLog(logFlags);
  let code = 0;
  const ctx: CliContext = {
    log,
    logFormat: resolveFormat(logFlags.format, Boolean(process.stderr.isTTY)),
    done: (c) => void (code = c),
  };
  try {
    let y = yargs(argv)
      .scriptName('looptap')
      .usage(
        'looptap: a loopback TCP/HTTP proxy that shows, decodes, captures and replays what passes',
      );
    for (const register of commands) y = register(y, ctx);
    await logOptions(y)
      .option('debug', flag('print stack traces of failures'))
      .middleware((a) => checkNumbers(a, argv))
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
    const e = err as Error | undefined;
    const stack = { lines: debug && e?.stack ? [e.stack] : undefined };
    if (err instanceof LooptapError) {
      log.error(err.message, { code: err.code }, stack);
      return err.exit;
    }
    log.error(
      `unexpected failure: ${e?.message ?? String(err)}; rerun with --debug and report it`,
      { code: 'BUG' },
      stack,
    );
    return 1;
  }
  return code;
}

/** every number flag of looptap is a count, a size or a time: yargs gives NaN for `abc` and
 * lets `-5` through, and a NaN --max-value once made the PostgreSQL decoder lose track of a
 * login (it then showed the SCRAM messages raw) */
function checkNumbers(a: Record<string, unknown>, argv: readonly string[]): void {
  for (const [k, v] of Object.entries(a)) {
    if (typeof v !== 'number' || (Number.isFinite(v) && v >= 0) || /[A-Z]/.test(k)) continue;
    const given = typedAs(k, argv) ?? String(v);
    throw usageError(
      'BAD_NUMBER',
      `--${k} "${given}" is not a number of 0 or more: give one, e.g. --${k} 100`,
    );
  }
}

/** what the user typed for --name (`--name X` or `--name=X`) */
function typedAs(name: string, argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const w = argv[i]!;
    if (w === `--${name}`) return argv[i + 1];
    if (w.startsWith(`--${name}=`)) return w.slice(name.length + 3);
  }
  return undefined;
}
