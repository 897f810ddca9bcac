// Every subcommand, in the order `looptap --help` lists them. A command file registers its own
// flags and loads its run function lazily, so that start-up stays fast.
import type { Argv } from 'yargs';
import { tcpCommand } from './tcp-command.js';
import { httpCommand } from './http-command.js';
import { exportCommand } from './export-command.js';
import { viewCommand } from './view-command.js';
import { demoCommand } from './demo-command.js';
import { replayCommand } from './replay-command.js';

export const commands: Array<(y: Argv) => Argv> = [
  tcpCommand,
  httpCommand,
  exportCommand,
  viewCommand,
  demoCommand,
  replayCommand,
];
