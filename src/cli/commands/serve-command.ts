import type { Argv } from 'yargs';
import { flag } from '../options.js';
import { exits, pick, type CliContext } from '../context.js';
import { PROTOCOLS } from '../../decoders/registry.js';
import type { DecodeSetting } from '../../events.js';

const builder = (y: Argv) =>
  y
    .option('api', {
      type: 'string',
      default: '127.0.0.1:8474',
      describe: 'where the Toxiproxy-compatible API listens, HOST:PORT (port 0: the OS picks)',
    })
    .option('config', {
      type: 'string',
      describe: 'proxies to create at start, Toxiproxy JSON: [{"name", "listen", "upstream"}]',
    })
    .option('capture', {
      type: 'string',
      describe: 'write every event of every proxy as JSON lines to FILE (mode 0600)',
    })
    .option(
      'overwrite',
      flag('let --capture replace a non-empty existing file (refused without it)'),
    )
    .option('json', { type: 'boolean', default: false, describe: 'JSON lines on stdout' })
    .option('quiet', flag('print only the announcement and errors'))
    .option('preview', { type: 'number', default: 64, describe: 'payload bytes shown per chunk' })
    .option('decode', {
      choices: ['auto', 'raw', ...PROTOCOLS],
      default: 'auto',
      describe: 'protocol decoder of every proxy; auto detects it per connection',
    })
    .option('redact', {
      type: 'boolean',
      default: true,
      describe: 'hide secrets; --no-redact keeps them',
    })
    .option('allow-remote', flag('permit non-loopback API, listen and upstream addresses'))
    .option('grace', { type: 'number', default: 2000, describe: 'ms connections get on Ctrl-C' });

export function serveCommand(y: Argv, ctx: CliContext): Argv {
  return y.command(
    'serve',
    'a Toxiproxy-compatible control API: proxies it creates are looptap routes with faults',
    builder,
    exits(ctx, async (a) => {
      const { runServe } = await import('./serve-run.js');
      const flags = pick(
        a,
        'api',
        'config',
        'capture',
        'overwrite',
        'json',
        'quiet',
        'preview',
        'redact',
      );
      const rest = {
        decode: a.decode as DecodeSetting,
        allowRemote: a.allowRemote,
        grace: a.grace,
      };
      return runServe({ ...flags, ...rest }, ctx.log);
    }),
  );
}
