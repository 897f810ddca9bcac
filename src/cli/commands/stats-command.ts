import type { Argv } from 'yargs';
import { flag } from '../options.js';
import { exits, pick, type CliContext } from '../context.js';
import type { StatsSort } from '../../digest/index.js';

// listed here, not imported: a command file must not load the digest (and its histogram
// library) at start-up for every command
const STATS_SORTS: StatsSort[] = ['total', 'calls', 'p95', 'errors'];

const builder = (y: Argv) =>
  y
    .positional('file', { type: 'string', demandOption: true, describe: 'a capture file' })
    .option('filter', {
      type: 'string',
      describe: 'only exchanges matching EXPR (docs/filter.md), e.g. "proto:pg latency>5ms"',
    })
    .option('sort', {
      choices: STATS_SORTS,
      default: 'total',
      describe: 'order of the rows: total time, calls, p95 latency or errors',
    })
    .option('json', flag('print the rows as one JSON array'))
    .option(
      'findings',
      flag('with --json: print the N+1 findings as a JSON array instead of the rows'),
    )
    .option('threshold', {
      type: 'number',
      default: 5,
      describe: 'N+1: how many calls of one fingerprint in a row on a connection make a finding',
    });

export function statsCommand(y: Argv, ctx: CliContext): Argv {
  return y.command(
    'stats <file>',
    'the digest of a capture: one row per fingerprint (calls, errors, rows, latency), N+1 findings',
    builder,
    exits(ctx, async (a) => {
      const { runStats } = await import('./stats-run.js');
      const sort = a.sort as (typeof STATS_SORTS)[number];
      return runStats({ ...pick(a, 'file', 'filter', 'json', 'findings', 'threshold'), sort });
    }),
  );
}
