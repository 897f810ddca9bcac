// Options shared by the commands that run a proxy (tcp, http); proxy-flags.ts checks them.

import type { Argv } from 'yargs';
import { usageError } from '../util/errors.js';

/** --ui [HOST:PORT] (tcp, http, view, demo): the web UI; '' when given without a value */
export function uiOption<T>(y: Argv<T>) {
  return y.option('ui', {
    type: 'string',
    describe: 'serve the web UI on HOST:PORT (default 127.0.0.1 and a free port); prints its URL',
  });
}

/** --redact-header / --redact-field values as names: repeatable, and `a,b` is two names */
export function nameList(v: unknown): string[] {
  const all = (Array.isArray(v) ? v : v === undefined ? [] : [v]).map(String);
  return all
    .flatMap((x) => x.split(','))
    .map((x) => x.trim())
    .filter(Boolean);
}

// the groups in the order --help lists them
export function proxyOptions<T>(y: Argv<T>) {
  const where = listenCaptureOptions(uiOption(y));
  const shown = humanViewOptions(where);
  const run = safetyOptions(redactionOptions(shown));
  return transportOptions(limitOptions(exchangeLineOptions(run)));
}

function listenCaptureOptions<T>(y: Argv<T>) {
  return y
    .option('listen', {
      type: 'string',
      describe: 'where to listen, [HOST:]PORT (default 127.0.0.1:0: the OS picks a port)',
    })
    .option('capture', {
      type: 'string',
      describe: 'write every event as JSON lines to FILE (mode 0600, full payloads)',
    })
    .option('capture-format', {
      type: 'number',
      choices: [1, 2],
      default: 1,
      describe:
        'capture format: 1 one file, payloads as base64; 2 raw payloads in FILE.bin beside it (faster)',
    })
    .option(
      'overwrite',
      flag('let --capture replace a non-empty existing file (refused without it)'),
    );
}

function humanViewOptions<T>(y: Argv<T>) {
  return y
    .option('json', flag('JSON lines on stdout instead of the human view'))
    .option('quiet', flag('print only the announcement and errors'))
    .option('preview', {
      type: 'number',
      default: 64,
      describe: 'payload bytes the human view shows per chunk',
    })
    .option('show-data', flag('show raw chunk lines for decoded connections too'));
}

function redactionOptions<T>(y: Argv<T>) {
  return y
    .option('redact', {
      type: 'boolean',
      default: true,
      describe: 'hide secrets; --no-redact keeps them',
    })
    .option('redact-header', {
      type: 'string',
      array: true,
      describe: 'also hide the value of this header (repeatable); see docs/redaction.md',
    })
    .option('redact-field', {
      type: 'string',
      array: true,
      describe: 'also hide this query, form or JSON field (repeatable)',
    });
}

function safetyOptions<T>(y: Argv<T>) {
  return y
    .option('allow-remote', flag('permit a listen or target address that is not loopback'))
    .option('grace', {
      type: 'number',
      default: 2000,
      describe: 'ms open connections get to finish on Ctrl-C',
    });
}

function exchangeLineOptions<T>(y: Argv<T>) {
  return y
    .option('filter', {
      type: 'string',
      describe: 'show only exchanges matching EXPR (docs/filter.md), e.g. "proto:pg error"',
    })
    .option('rows', {
      type: 'number',
      default: 3,
      describe: 'result rows shown under each exchange line (0 hides them)',
    })
    .option('frames', flag('also show every protocol message (frame), as looptap 0.1 did'));
}

function limitOptions<T>(y: Argv<T>) {
  return y
    .option('max-rows', {
      type: 'number',
      default: 20,
      describe: 'result rows whose values an exchange keeps (capture, UI, API)',
    })
    .option('max-value', {
      type: 'number',
      default: 65536,
      describe: 'most bytes of one decoded value (sql, param, body) kept per message',
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
}

function transportOptions<T>(y: Argv<T>) {
  return y
    .option('transport', {
      type: 'string',
      describe:
        'also send every event to this pino transport, e.g. pino/file, pino-loki (docs/logging.md)',
    })
    .option('transport-option', {
      type: 'string',
      array: true,
      describe: "the transport's options: KEY=VALUE (repeatable, a.b=1 nests) or a JSON object",
    });
}

/** a whole number, 0 or more (--rows, --max-rows) */
export function wholeNumber(flag: string, code: string, v: number): number {
  if (!Number.isInteger(v) || v < 0) {
    throw usageError(code, `${flag} ${v} must be a whole number, 0 or more`);
  }
  return v;
}

/** a switch that is off unless given: most of looptap's boolean flags */
export function flag(describe: string) {
  return { type: 'boolean' as const, default: false, describe };
}
