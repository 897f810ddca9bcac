import type { Argv } from 'yargs';
import { exits, type CliContext } from '../context.js';
import { FORMAT_NAMES } from '../../export/formats.js';

const builder = (y: Argv) =>
  y
    .positional('file', { type: 'string', demandOption: true, describe: 'a capture file' })
    .option('format', {
      choices: FORMAT_NAMES,
      demandOption: true,
      describe: 'har: HTTP requests and responses as HAR 1.2',
    })
    .option('out', {
      type: 'string',
      demandOption: true,
      describe: 'the file to write (mode 0600), or - for stdout',
    })
    .option('filter', {
      type: 'string',
      describe: 'only connections with an exchange matching EXPR (docs/filter.md)',
    });

export function exportCommand(y: Argv, ctx: CliContext): Argv {
  return y.command(
    'export <file>',
    'convert a capture to another format (HAR for browsers and HTTP tools)',
    builder,
    exits(ctx, async (a) => {
      const { runExport } = await import('./export-run.js');
      return runExport({ file: a.file, format: a.format, out: a.out, filter: a.filter }, ctx.log);
    }),
  );
}
