// Options shared by the commands that run a proxy (tcp, http), and the exit code a command sets.

import type { Argv } from 'yargs';

export const exit = { code: 0 };

export function proxyOptions<T>(y: Argv<T>) {
  return y
    .option('listen', {
      type: 'string',
      describe: 'where to listen, [HOST:]PORT (default 127.0.0.1:0: the OS picks a port)',
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
    })
    .option('max-value', {
      type: 'number',
      default: 65536,
      describe: 'most bytes of one decoded value (sql, param, body) kept per message',
    });
}
