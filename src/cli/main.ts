// The command line: yargs turns argv into typed flags and calls the command. This is the only
// place that knows about argv, exit codes and the one-line error format (CONTRACT.md).

import yargs, { type Argv } from 'yargs';
import { LooptapError, usageError } from '../util/errors.js';
import { VERSION } from '../version.js';
import { PROTOCOLS } from '../decoders/registry.js';
import type { DecodeSetting } from '../events.js';

const DECODE_CHOICES = ['auto', 'raw', ...PROTOCOLS];

function outputOptions<T>(y: Argv<T>) {
  return y
    .option('listen', {
      type: 'string',
      describe: 'where to listen, [HOST:]PORT (default 127.0.0.1:0, the OS picks a port)',
    })
    .option('capture', {
      type: 'string',
      describe: 'write every event as JSON lines to FILE (mode 0600, full payloads)',
    })
    .option('json', {
      type: 'boolean',
      default: false,
      describe: 'JSON lines on stdout instead of the human view',
    })
    .option('quiet', {
      type: 'boolean',
      default: false,
      describe: 'print only the announcement and errors',
    })
    .option('preview', {
      type: 'number',
      default: 64,
      describe: 'payload bytes the human view shows per chunk',
    })
    .option('show-data', {
      type: 'boolean',
      default: false,
      describe: 'show raw chunk lines for decoded connections too',
    })
    .option('redact', {
      type: 'boolean',
      default: true,
      describe: 'hide secrets; --no-redact keeps them',
    })
    .option('allow-remote', {
      type: 'boolean',
      default: false,
      describe: 'permit a listen or target address that is not loopback',
    })
    .option('grace', {
      type: 'number',
      default: 2000,
      describe: 'ms open connections get to finish on Ctrl-C',
    });
}

export async function main(argv: string[]): Promise<number> {
  let code = 0;
  const debug = argv.includes('--debug');
  try {
    await yargs(argv)
      .scriptName('looptap')
      .usage('looptap: a loopback TCP/HTTP proxy that shows, decodes and captures what passes')
      .command(
        ['tcp [target]', '$0 [target]'],
        'relay TCP to a target and show every connection and message (the default command)',
        (y) =>
          outputOptions(y)
            .positional('target', {
              type: 'string',
              describe: '[HOST:]PORT to forward to (same as --target)',
            })
            .option('target', {
              type: 'string',
              describe: '[HOST:]PORT to forward to; a bare port means 127.0.0.1',
            })
            .option('decode', {
              choices: DECODE_CHOICES,
              default: 'auto',
              describe: 'protocol decoder: auto detects per connection',
            })
            .option('strip-tls', {
              type: 'boolean',
              default: false,
              describe: 'local debugging only: make sslmode=prefer clients talk plain text',
            })
            .option('connect-timeout', {
              type: 'number',
              default: 5000,
              describe: 'ms to wait for the target to accept',
            })
            .option('max-value', {
              type: 'number',
              default: 65536,
              describe: 'most bytes of one decoded value (sql, param, body) kept per message',
            }),
        async (a) => {
          const target = a.target;
          if (!target)
            throw usageError(
              'NO_TARGET',
              'no target: say where to forward, e.g. looptap --target 5432',
            );
          const { runTcp } = await import('./commands/tcp.js');
          code = await runTcp({
            target: String(target),
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
      )
      .command(
        'view <file>',
        'show a capture as the live view did (or as JSON lines)',
        (y) =>
          y
            .positional('file', { type: 'string', demandOption: true })
            .option('follow', {
              type: 'boolean',
              default: false,
              describe: 'keep reading as the file grows',
            })
            .option('conn', {
              type: 'number',
              array: true,
              describe: 'only these connection ids (repeatable)',
            })
            .option('protocol', {
              choices: PROTOCOLS,
              describe: 'only decoded messages of this protocol',
            })
            .option('json', {
              type: 'boolean',
              default: false,
              describe: 'JSON lines instead of the human view',
            })
            .option('preview', { type: 'number', default: 64 })
            .option('show-data', { type: 'boolean', default: false }),
        async (a) => {
          const { runView } = await import('./commands/view.js');
          code = await runView({
            file: a.file,
            follow: a.follow,
            conn: a.conn,
            protocol: a.protocol,
            json: a.json,
            preview: a.preview,
            showData: a['show-data'],
          });
        },
      )
      .command(
        'demo',
        'an embedded PostgreSQL, looptap in front of it and an app, decoded live (no setup)',
        (y) =>
          y
            .option('capture', { type: 'string', describe: 'also write the capture to FILE' })
            .option('json', { type: 'boolean', default: false })
            .option('once', {
              type: 'boolean',
              default: false,
              describe: 'stop after the app instead of waiting for Ctrl-C',
            }),
        async (a) => {
          const { runDemo } = await import('./commands/demo.js');
          code = await runDemo({ capture: a.capture, json: a.json, once: a.once });
        },
      )
      .option('debug', {
        type: 'boolean',
        default: false,
        describe: 'print stack traces of failures',
      })
      .strictCommands()
      .strictOptions()
      .exitProcess(false)
      .help()
      .version(VERSION)
      .wrap(Math.min(110, process.stdout.columns ?? 100))
      .fail((msg, err) => {
        if (err) throw err;
        throw usageError('USAGE', `${msg}; see looptap --help`);
      })
      .parseAsync();
  } catch (err) {
    if (err instanceof LooptapError) {
      process.stderr.write(`looptap: ${err.message}\n`);
      if (debug && err.stack) process.stderr.write(err.stack + '\n');
      return err.exit;
    }
    const e = err as Error;
    process.stderr.write(
      `looptap: unexpected failure: ${e?.message ?? String(err)}; rerun with --debug and report it\n`,
    );
    if (debug && e?.stack) process.stderr.write(e.stack + '\n');
    return 1;
  }
  return code;
}
