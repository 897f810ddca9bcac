import type { Argv } from 'yargs';
import { exit } from '../options.js';
import { PROTOCOLS } from '../../decoders/registry.js';

const builder = (y: Argv) =>
  y
    .positional('file', { type: 'string', demandOption: true, describe: 'a capture file' })
    .option('follow', {
      type: 'boolean',
      default: false,
      describe: 'keep reading as the file grows, across rotation (like tail -F)',
    })
    .option('route', {
      type: 'string',
      array: true,
      describe: 'only these routes (repeatable; names as in --route NAME@... or the config)',
    })
    .option('conn', {
      type: 'number',
      array: true,
      describe: 'only these connection ids (repeatable)',
    })
    .option('protocol', { choices: PROTOCOLS, describe: 'only decoded messages of this protocol' })
    .option('from', {
      choices: ['client', 'server'],
      describe: 'only what this side sent (connection opens and closes stay)',
    })
    .option('grep', {
      type: 'string',
      describe: 'only decoded messages whose summary, sql, command or url holds TEXT (any case)',
    })
    .option('json', {
      type: 'boolean',
      default: false,
      describe: 'JSON lines instead of the human view',
    })
    .option('preview', { type: 'number', default: 64, describe: 'payload bytes shown per chunk' })
    .option('show-data', {
      type: 'boolean',
      default: false,
      describe: 'show raw chunk lines for decoded connections too',
    });

export function viewCommand(y: Argv): Argv {
  return y.command(
    'view <file>',
    'show a capture as the live view did (or as filtered JSON lines)',
    builder,
    async (a) => {
      const { runView } = await import('./view.js');
      exit.code = await runView({
        file: a.file,
        follow: a.follow,
        route: a.route?.map(String),
        conn: a.conn,
        protocol: a.protocol,
        from: a.from as 'client' | 'server' | undefined,
        grep: a.grep,
        json: a.json,
        preview: a.preview,
        showData: a['show-data'],
      });
    },
  );
}
