import type { Argv } from 'yargs';
import { proxyOptions, flag } from '../options.js';
import { exits, type CliContext } from '../context.js';
import { usageError } from '../../util/errors.js';

const builder = (y: Argv) =>
  proxyOptions(y)
    .positional('target', {
      type: 'string',
      describe: '[HOST:]PORT or http://HOST:PORT/base to forward to (same as --target)',
    })
    .option('target', {
      type: 'string',
      describe: '[HOST:]PORT or http://HOST:PORT/base; a bare port means 127.0.0.1',
    })
    .option('host-rewrite', {
      type: 'boolean',
      default: false,
      describe: "send the target's host:port as Host instead of the client's Host",
    })
    .option('x-forwarded', flag('add X-Forwarded-For/-Port/-Proto/-Host headers'))
    .option('timeout', {
      type: 'number',
      default: 60000,
      describe: 'ms the target may stay silent before the client gets 504 (0: wait forever)',
    });

export function httpCommand(y: Argv, ctx: CliContext): Argv {
  return y.command(
    'http [target]',
    'reverse-proxy HTTP to a target and show every request, response and WebSocket frame',
    builder,
    exits(ctx, async (a) => {
      if (!a.target)
        throw usageError(
          'NO_TARGET',
          'no target: say where to forward, e.g. looptap http --target 3000',
        );
      if (!Number.isFinite(a.timeout) || a.timeout < 0)
        throw usageError('BAD_TIMEOUT', '--timeout must be a number of ms, 0 or more');
      const { sharedRunOf } = await import('../proxy-flags.js');
      const shared = sharedRunOf(a);
      const { runProxy } = await import('../proxy-run.js');
      return runProxy(
        {
          ...shared,
          settings: {
            ...shared.settings,
            hostRewrite: a['host-rewrite'],
            xForwarded: a['x-forwarded'],
            timeout: a.timeout,
          },
          routes: [
            {
              name: '',
              listen: a.listen ?? '127.0.0.1:0',
              target: String(a.target),
              mode: 'http',
              decode: 'http',
            },
          ],
          multi: false,
        },
        ctx,
      );
    }),
  );
}
