import type { Argv } from 'yargs';
import { exits, type CliContext } from '../context.js';
import { usageError } from '../../util/errors.js';

const builder = (y: Argv) =>
  y
    .positional('file', { type: 'string', describe: 'a capture file to serve' })
    .option('target', {
      type: 'string',
      describe: 'instead of a file: run a relay to [HOST:]PORT and serve what it sees',
    })
    .option('listen', { type: 'string', describe: 'with --target: where the relay listens' })
    .option('capture', { type: 'string', describe: 'with --target: also write a capture' })
    .option('redact', { type: 'boolean', default: true, describe: 'hide secrets' })
    .option('allow-remote', { type: 'boolean', default: false, describe: 'permit non-loopback' })
    .option('max-exchanges', {
      type: 'number',
      default: 200_000,
      describe: 'the most exchanges kept in memory (oldest dropped first)',
    });

export function mcpCommand(y: Argv, ctx: CliContext): Argv {
  return y.command(
    'mcp [file]',
    'serve a capture (or a live relay) to a coding agent over MCP on stdio',
    builder,
    exits(ctx, async (a) => {
      if (!a.file === !a.target) {
        throw usageError(
          'USAGE',
          'mcp needs a capture file or --target PORT (one of them): looptap mcp session.jsonl',
        );
      }
      const { runMcp } = await import('./mcp-run.js');
      return runMcp(
        {
          file: a.file,
          target: a.target,
          listen: a.listen,
          capture: a.capture,
          redact: a.redact,
          allowRemote: a['allow-remote'],
          maxExchanges: a['max-exchanges'],
        },
        ctx.log,
      );
    }),
  );
}
