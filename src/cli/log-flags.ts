// --log-format and --log-level, for every command (docs/logging.md). main() reads them from argv
// before yargs runs, because yargs' own usage errors go through the log too; yargs then checks
// their values like any flag's.

import type { Argv } from 'yargs';
import { LOG_FORMATS, LOG_LEVELS, type LogOptions } from '../log/log.js';

export function logFlagsOf(argv: string[]): Pick<LogOptions, 'format' | 'level'> {
  const value = (flag: string): string | undefined => {
    let v: string | undefined;
    for (let i = 0; i < argv.length && argv[i] !== '--'; i++) {
      const a = argv[i]!;
      if (a === flag) v = argv[i + 1];
      else if (a.startsWith(flag + '=')) v = a.slice(flag.length + 1);
    }
    return v;
  };
  const format = value('--log-format');
  const level = value('--log-level');
  return {
    format: LOG_FORMATS.find((f) => f === format),
    level: LOG_LEVELS.find((l) => l === level),
  };
}

export function logOptions<T>(y: Argv<T>) {
  return y
    .option('log-format', {
      choices: LOG_FORMATS,
      default: 'auto',
      describe:
        "looptap's own messages on stderr: auto (pretty on a terminal, plain otherwise), plain, pretty, json",
    })
    .option('log-level', {
      choices: LOG_LEVELS,
      default: 'info',
      describe: 'the least level of those messages shown (warn hides the summary)',
    });
}
