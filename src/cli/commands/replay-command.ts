import type { Argv } from 'yargs';
import { exit } from '../options.js';
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
    .option('report', { type: 'string', describe: 'write every comparison as JSON to FILE' })
    .option('json', { type: 'boolean', default: false, describe: 'one JSON line per comparison' })
    .option('pace', {
      choices: ['fast', 'recorded'],
      default: 'fast',
      describe:
        'fast: as fast as possible, one connection after another; recorded: at the recorded times',
    })
    .option('raw', {
      type: 'boolean',
      default: false,
      describe: 'resend every connection as raw TCP turns',
    })
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
    .option('allow-remote', {
      type: 'boolean',
      default: false,
      describe: 'permit a target that is not loopback',
    });

export function replayCommand(y: Argv): Argv {
  return y.command(
    'replay <file>',
    'run a capture against a server and show what answered differently',
    builder,
    async (a) => {
      const { runReplay } = await import('./replay.js');
      exit.code = await runReplay({
        file: a.file,
        target: a.target,
        conn: a.conn,
        protocol: a.protocol,
        since: a.since,
        until: a.until,
        report: a.report,
        json: a.json,
        pace: a.pace as 'fast' | 'recorded',
        raw: a.raw,
        quietMs: a['quiet-ms'],
        timeoutMs: a.timeout,
        ignoreHeaders: a['ignore-header'] ?? [],
        ignoreJsonPaths: a['ignore-json-path'] ?? [],
        headers: a.header ?? [],
        user: a.user,
        password: a.password,
        allowRemote: a['allow-remote'],
      });
    },
  );
}
