import type { Argv } from 'yargs';
import { exits, pick, type CliContext } from '../context.js';
import { uiOption, flag } from '../options.js';

const builder = (y: Argv) =>
  uiOption(y)
    .option('capture', { type: 'string', describe: 'also write the capture to FILE' })
    .option(
      'overwrite',
      flag('let --capture replace a non-empty existing file (refused without it)'),
    )
    .option('json', flag('JSON lines instead of the human view'))
    .option('once', flag('stop after the app instead of waiting for Ctrl-C'));

export function demoCommand(y: Argv, ctx: CliContext): Argv {
  return y.command(
    'demo',
    'an embedded PostgreSQL, looptap in front of it and an app, decoded live (no setup)',
    builder,
    exits(ctx, async (a) => {
      const { runDemo } = await import('./demo-run.js');
      return runDemo(pick(a, 'capture', 'overwrite', 'json', 'once', 'ui'), ctx.log);
    }),
  );
}
