import type { Argv } from 'yargs';
import { flag } from '../options.js';
import { exits, pick, type CliContext } from '../context.js';
import { PROTOCOLS } from '../../decoders/registry.js';

const builder = (y: Argv) =>
  y
    .positional('file', { type: 'string', demandOption: true, describe: 'a capture file' })
    .option('target', {
      type: 'string',
      demandOption: true,
      describe: '[HOST:]PORT of the server to replay against; a bare port means 127.0.0.1',
    })
    .option('conn', {
      type: 'number',
      array: true,
      describe: 'only these connection ids (repeatable)',
    })
    .option('protocol', {
      choices: [...PROTOCOLS, 'tcp'],
      describe: 'only connections of this protocol (tcp: not decoded)',
    })
    .option('since', {
      type: 'string',
      describe: 'only connections opened at or after (ISO, epoch ms, +SECONDS)',
    })
    .option('until', {
      type: 'string',
      describe: 'only connections opened at or before (ISO, epoch ms, +SECONDS)',
    })
    .option('filter', {
      type: 'string',
      describe:
        'only connections with an exchange that matches EXPR (the filter language, docs/filter.md)',
    })
    .option('secret', {
      type: 'string',
      array: true,
      describe:
        'NAME=VALUE for a value the capture redacted, e.g. redis.requirepass=... (repeatable; names in docs/replay.md)',
    })
    .option(
      'skip-redacted',
      flag('leave out the requests that carry a redacted value nobody supplied'),
    )
    .option('report', { type: 'string', describe: 'write every comparison as JSON to FILE' })
    .option('json', { type: 'boolean', default: false, describe: 'one JSON line per comparison' })
    .option('pace', {
      choices: ['fast', 'recorded'],
      default: 'fast',
      describe:
        'fast: as fast as possible, one connection after another; recorded: at the recorded times',
    })
    .option('raw', flag('resend every connection as raw TCP turns'))
    .option('quiet-ms', {
      type: 'number',
      default: 300,
      describe: 'raw TCP: ms of silence after which an answer counts as complete',
    })
    .option('timeout', { type: 'number', default: 5000, describe: 'ms to wait for an answer' })
    .option('ignore-header', {
      type: 'string',
      array: true,
      describe: 'HTTP: response header not compared (repeatable)',
    })
    .option('ignore-json-path', {
      type: 'string',
      array: true,
      describe: 'HTTP: JSON path not compared, e.g. $.meta.id or $.items.*.ts',
    })
    .option('header', {
      type: 'string',
      array: true,
      describe:
        "HTTP: 'Name: value' sent instead of the recorded value wherever a request carried that header (redacted credentials)",
    })
    .option('user', {
      type: 'string',
      describe: 'PostgreSQL/Redis: log in as this user instead of the recorded one',
    })
    .option('password', {
      type: 'string',
      describe: 'PostgreSQL/Redis/MySQL password (default: PGPASSWORD / REDISCLI_AUTH / MYSQL_PWD)',
    })
    .option('allow-remote', flag('permit a target that is not loopback'));

export function replayCommand(y: Argv, ctx: CliContext): Argv {
  return y.command(
    'replay <file>',
    'run a capture against a server and show what answered differently',
    builder,
    exits(ctx, async (a) => {
      const { runReplay } = await import('./replay-run.js');
      const where = pick(a, 'file', 'target', 'conn', 'protocol', 'since', 'until', 'filter');
      const how = pick(a, 'skipRedacted', 'report', 'json', 'raw', 'quietMs', 'user', 'password');
      return runReplay({
        ...where,
        ...how,
        secrets: a.secret ?? [],
        pace: a.pace as 'fast' | 'recorded',
        timeoutMs: a.timeout,
        ignoreHeaders: a.ignoreHeader ?? [],
        ignoreJsonPaths: a.ignoreJsonPath ?? [],
        headers: a.header ?? [],
        allowRemote: a.allowRemote,
      });
    }),
  );
}
