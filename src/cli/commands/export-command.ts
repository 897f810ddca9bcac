import type { Argv } from 'yargs';
import { exit } from '../options.js';
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
    });

export function exportCommand(y: Argv): Argv {
  return y.command(
    'export <file>',
    'convert a capture to another format (HAR for browsers and HTTP tools)',
    builder,
    async (a) => {
      const { runExport } = await import('./export.js');
      exit.code = await runExport({ file: a.file, format: a.format, out: a.out });
    },
  );
}
