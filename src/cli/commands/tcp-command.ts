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
    .option('strip-tls', {
      type: 'boolean',
      default: false,
      describe: 'local debugging only: make sslmode=prefer clients talk plain text',
    })
    .option('connect-timeout', {
      type: 'number',
      default: 5000,
      describe: 'ms to wait for the target to accept a connection',
    })
    .option('capture-max-size', {
      type: 'string',
      describe: 'rotate the capture before it grows past SIZE (e.g. 10MB)',
    })
    .option('capture-keep', {
      type: 'number',
      default: 3,
      describe: 'rotated capture files kept (FILE.1 ... FILE.N)',
    })
    .option('max-payload', {
      type: 'number',
      describe: 'keep at most BYTES of payload per data event in the capture (marked truncated)',
    });

export function tcpCommand(y: Argv): Argv {
  return y.command(
    ['tcp [target]', '$0 [target]'],
    'relay TCP to a target and show every connection and message (the default command)',
    builder,
    async (a) => {
      const { collectRoutes } = await import('../routes.js');
      const { parseSize } = await import('../../capture/rotating-file.js');
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
      const routes = many ? collectRoutes(a.route?.map(String), a.config, decode) : undefined;
      const longRun = captureLimits(a, parseSize);
      const { runTcp } = await import('./tcp.js');
      exit.code = await runTcp({
        target: a.target === undefined ? undefined : String(a.target),
        listen: a.listen,
        routes,
        decode,
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
        ...longRun,
      });
    },
  );
}

function captureLimits(
  a: {
    capture?: string;
    'capture-max-size'?: string;
    'capture-keep': number;
    'max-payload'?: number;
  },
  parseSize: (s: string) => number | undefined,
): { captureMaxSize?: number; captureKeep: number; maxPayload?: number } {
  const sizeText = a['capture-max-size'];
  const maxPayload = a['max-payload'];
  if (!a.capture && (sizeText !== undefined || maxPayload !== undefined)) {
    throw usageError(
      'NO_CAPTURE',
      '--capture-max-size and --max-payload shape the capture: add --capture FILE',
    );
  }
  let captureMaxSize: number | undefined;
  if (sizeText !== undefined) {
    captureMaxSize = parseSize(sizeText);
    if (captureMaxSize === undefined || captureMaxSize < 4096) {
      throw usageError(
        'BAD_SIZE',
        `--capture-max-size "${sizeText}" is not a size of at least 4KB: write e.g. 10MB, 512KB or 1GB`,
      );
    }
  }
  const keep = a['capture-keep'];
  if (!Number.isInteger(keep) || keep < 0 || keep > 1000) {
    throw usageError('BAD_KEEP', `--capture-keep ${keep} must be a whole number from 0 to 1000`);
  }
  if (maxPayload !== undefined && (!Number.isInteger(maxPayload) || maxPayload < 0)) {
    throw usageError(
      'BAD_MAX_PAYLOAD',
      `--max-payload ${maxPayload} must be a whole number of bytes, 0 or more`,
    );
  }
  return { captureMaxSize, captureKeep: keep, maxPayload };
}
