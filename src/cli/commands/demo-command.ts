import type { Argv } from 'yargs';
import { exit } from '../options.js';

const builder = (y: Argv) =>
  y
    .option('capture', { type: 'string', describe: 'also write the capture to FILE' })
    .option('json', {
      type: 'boolean',
      default: false,
      describe: 'JSON lines instead of the human view',
    })
    .option('once', {
      type: 'boolean',
      default: false,
      describe: 'stop after the app instead of waiting for Ctrl-C',
    });

export function demoCommand(y: Argv): Argv {
  return y.command(
    'demo',
    'an embedded PostgreSQL, looptap in front of it and an app, decoded live (no setup)',
    builder,
    async (a) => {
      const { runDemo } = await import('./demo.js');
      exit.code = await runDemo({ capture: a.capture, json: a.json, once: a.once });
    },
  );
}
