import type { Argv } from 'yargs';
import { exit, proxyOptions } from '../options.js';
import { usageError } from '../../util/errors.js';
import { PROTOCOLS } from '../../decoders/registry.js';
import type { DecodeSetting } from '../../events.js';

const builder = (y: Argv) =>
  proxyOptions(y)
    .positional('target', {
      type: 'string',
      describe: '[HOST:]PORT to forward to (same as --target)',
    })
    .option('target', {
      type: 'string',
      describe: '[HOST:]PORT to forward to; a bare port means 127.0.0.1',
    })
    .option('decode', {
      choices: ['auto', 'raw', ...PROTOCOLS],
      default: 'auto',
      describe: 'protocol decoder; auto detects it per connection',
    })
    .option('strip-tls', {
      type: 'boolean',
      default: false,
      describe: 'local debugging only: make sslmode=prefer clients talk plain text',
    })
    .option('connect-timeout', {
      type: 'number',
      default: 5000,
      describe: 'ms to wait for the target to accept a connection',
    });

export function tcpCommand(y: Argv): Argv {
  return y.command(
    ['tcp [target]', '$0 [target]'],
    'relay TCP to a target and show every connection and message (the default command)',
    builder,
    async (a) => {
      if (!a.target)
        throw usageError(
          'NO_TARGET',
          'no target: say where to forward, e.g. looptap --target 5432',
        );
      const { runTcp } = await import('./tcp.js');
      exit.code = await runTcp({
        target: String(a.target),
        listen: a.listen,
        decode: a.decode as DecodeSetting,
        redact: a.redact,
        stripTls: a['strip-tls'],
        allowRemote: a['allow-remote'],
        grace: a.grace,
        connectTimeout: a['connect-timeout'],
        maxValue: a['max-value'],
        capture: a.capture,
        json: a.json,
        quiet: a.quiet,
        preview: a.preview,
        showData: a['show-data'],
      });
    },
  );
}
