import type { Argv } from 'yargs';
import { proxyOptions, flag } from '../options.js';
import { exits, type CliContext } from '../context.js';
import { usageError } from '../../util/errors.js';
import { PROTOCOLS } from '../../decoders/registry.js';
import type { DecodeSetting } from '../../events.js';

export const tcpBuilder = (y: Argv) =>
  proxyOptions(y)
    .positional('target', {
      type: 'string',
      describe: '[HOST:]PORT to forward to (same as --target)',
    })
    .option('target', {
      type: 'string',
      describe: '[HOST:]PORT to forward to; a bare port means 127.0.0.1',
    })
    .option('route', {
      type: 'string',
      array: true,
      describe: 'one of several routes, [NAME@]LISTEN=TARGET (repeatable), e.g. 62893=5432',
    })
    .option('config', {
      type: 'string',
      describe:
        'routes from a JSON file: {"routes": [{"listen", "target", "mode", "decode", "name"}]}',
    })
    .option('decode', {
      choices: ['auto', 'raw', ...PROTOCOLS],
      default: 'auto',
      describe: 'protocol decoder; auto detects it per connection',
    })
    .option('strip-tls', flag('local debugging only: make sslmode=prefer clients talk plain text'))
    .option('connect-timeout', {
      type: 'number',
      default: 5000,
      describe: 'ms to wait for the target to accept a connection',
    })
    .option('fault', {
      type: 'string',
      array: true,
      describe:
        'inject a fault (repeatable), e.g. \'reply_error match="sql~^update" sqlstate=40001\' (docs/faults.md)',
    })
    .option(
      'top',
      flag('a full-screen live table of fingerprints instead of lines (same as looptap top)'),
    );

export function tcpCommand(y: Argv, ctx: CliContext): Argv {
  return y.command(
    ['tcp [target]', '$0 [target]'],
    'relay TCP to a target and show every exchange (the default command)',
    tcpBuilder,
    exits(ctx, (a) => runTcpCommand(a, a.top, ctx)),
  );
}

type TcpArgs = Awaited<ReturnType<typeof tcpBuilder>['argv']>;

/** `looptap tcp` and `looptap top`: one handler, top draws the table instead of lines */
export async function runTcpCommand(a: TcpArgs, top: boolean, ctx: CliContext): Promise<number> {
  const { collectRoutes } = await import('../routes.js');
  const { sharedRunOf } = await import('../proxy-flags.js');
  const decode = a.decode as DecodeSetting;
  const many = (a.route?.length ?? 0) > 0 || a.config !== undefined;
  if (many && (a.target || a.listen)) {
    throw usageError(
      'ROUTES_AND_TARGET',
      'give either --target/--listen (one route) or --route/--config (several), not both',
    );
  }
  if (!many && !a.target)
    throw usageError(
      'NO_TARGET',
      'no target: say where to forward, e.g. looptap --target 5432 (or --route 62893=5432)',
    );
  // `looptap bogus-cmd` lands here as a target: say what it is not, not only that it has no port
  if (!many && /^[a-z][\w-]*$/i.test(String(a.target)) && !/^localhost$/i.test(String(a.target))) {
    throw usageError(
      'UNKNOWN_COMMAND',
      `"${String(a.target)}" is neither a command nor a target: the commands are tcp, http, export, view, demo, replay, stats, top, mcp, serve (looptap --help); a target is PORT or HOST:PORT, e.g. looptap 5432`,
    );
  }
  const routes = many
    ? collectRoutes(a.route?.map(String), a.config, decode)
    : [
        {
          name: '',
          listen: a.listen ?? '127.0.0.1:0',
          target: String(a.target),
          mode: 'tcp' as const,
          decode,
        },
      ];
  const faults = a.fault?.map(String);
  if (faults?.length) {
    const { checkFaultFlag } = await import('../../faults/fault-flag.js');
    for (const f of faults) checkFaultFlag(f);
  }
  const shared = sharedRunOf(a);
  if (top) {
    if (a.json || a.quiet) {
      throw usageError(
        'TOP_AND_OUTPUT',
        'top draws the screen: leave out --json and --quiet (or --top)',
      );
    }
    (await import('../../view/top-screen.js')).assertTerminal();
  }
  const { runProxy } = await import('../proxy-run.js');
  return runProxy(
    {
      ...shared,
      settings: {
        ...shared.settings,
        stripTls: a['strip-tls'],
        connectTimeout: a['connect-timeout'],
        faults,
      },
      routes,
      multi: many,
      top,
    },
    ctx,
  );
}
