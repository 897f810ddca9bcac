import type { Argv } from 'yargs';
import { exits, pick, type CliContext } from '../context.js';
import { uiOption, wholeNumber, flag } from '../options.js';
import { PROTOCOLS } from '../../decoders/registry.js';

const builder = (y: Argv) =>
  uiOption(y)
    .positional('file', { type: 'string', demandOption: true, describe: 'a capture file' })
    .option('follow', flag('keep reading as the file grows, across rotation (like tail -F)'))
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
      describe:
        'only requests and answers holding TEXT (any case); a match on either side shows both',
    })
    .option('filter', {
      type: 'string',
      describe: 'only exchanges matching EXPR (docs/filter.md), e.g. "proto:pg latency>50ms"',
    })
    .option('rows', {
      type: 'number',
      default: 3,
      describe: 'result rows shown under each exchange line (0 hides them)',
    })
    .option('frames', flag('also show every protocol message (frame), as looptap 0.1 did'))
    .option('json', flag('JSON lines instead of the human view'))
    .option('preview', { type: 'number', default: 64, describe: 'payload bytes shown per chunk' })
    .option('show-data', flag('show raw chunk lines for decoded connections too'));

export function viewCommand(y: Argv, ctx: CliContext): Argv {
  return y.command(
    'view <file>',
    'show a capture as the live view did (or as filtered JSON lines)',
    builder,
    exits(ctx, async (a) => {
      const { filterFlag } = await import('../../filter/cli.js');
      const filter = a.filter === undefined ? undefined : filterFlag(a.filter);
      wholeNumber('--rows', 'BAD_ROWS', a.rows);
      const { runView } = await import('./view-run.js');
      const from = a.from as 'client' | 'server' | undefined;
      const same = pick(a, 'file', 'follow', 'conn', 'protocol', 'grep', 'json', 'preview');
      const more = pick(a, 'showData', 'rows', 'frames', 'ui');
      return runView({ ...same, ...more, route: a.route?.map(String), from, filter });
    }),
  );
}
