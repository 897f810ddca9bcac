// Every subcommand, in the order `looptap --help` lists them. `X-command.ts` registers its
// flags and imports `X-run.ts` only when it runs, so that start-up stays fast (docs/architecture.md).
import type { Register } from '../context.js';
import { tcpCommand } from './tcp-command.js';
import { httpCommand } from './http-command.js';
import { exportCommand } from './export-command.js';
import { viewCommand } from './view-command.js';
import { demoCommand } from './demo-command.js';
import { replayCommand } from './replay-command.js';
import { statsCommand } from './stats-command.js';
import { topCommand } from './top-command.js';
import { mcpCommand } from './mcp-command.js';
import { serveCommand } from './serve-command.js';

export const commands: Register[] = [
  tcpCommand,
  httpCommand,
  exportCommand,
  viewCommand,
  demoCommand,
  replayCommand,
  statsCommand,
  topCommand,
  mcpCommand,
  serveCommand,
];
