import type { Argv } from 'yargs';
import { runTcpCommand, tcpBuilder } from './tcp-command.js';
import { exits, type CliContext } from '../context.js';

export function topCommand(y: Argv, ctx: CliContext): Argv {
  return y.command(
    'top [target]',
    'relay like tcp, with a full-screen live table of fingerprints (calls, rate, latency, errors)',
    tcpBuilder,
    exits(ctx, (a) => runTcpCommand(a, true, ctx)),
  );
}
