// The flags `tcp` and `http` share, checked once each (one error code per flag) and turned into
// the run path's options. A mistake here exits 2 before anything is opened or listens.

import { filterFlag } from '../filter/cli.js';
import { parseSize } from '../capture/rotating-file.js';
import type { TransportSpec } from '../log/transport.js';
import { usageError } from '../util/errors.js';
import type { RouteSettings } from '../run/start-route.js';
import type { SessionOptions } from '../run/session.js';
import type { OutputFlags } from './output.js';
import { nameList, wholeNumber } from './options.js';

/** what proxyOptions() (options.ts) gives a handler */
export interface ProxyArgs {
  ui?: string;
  capture?: string;
  'capture-format': number;
  overwrite: boolean;
  json: boolean;
  quiet: boolean;
  preview: number;
  'show-data': boolean;
  redact: boolean;
  'redact-header'?: unknown;
  'redact-field'?: unknown;
  'allow-remote': boolean;
  grace: number;
  filter?: string;
  rows: number;
  frames: boolean;
  'max-rows': number;
  'max-value': number;
  'capture-max-size'?: string;
  'capture-keep': number;
  'max-payload'?: number;
  transport?: unknown;
  'transport-option'?: unknown;
}

/** the parts of a run both commands build the same way */
export interface SharedRun {
  settings: RouteSettings;
  capture: SessionOptions['capture'];
  output: OutputFlags;
  filter: SessionOptions['filter'];
  ui?: string;
  grace: number;
  transport?: TransportSpec;
}

export function sharedRunOf(a: ProxyArgs): SharedRun {
  const filter = filterFlag(a.filter);
  const rows = wholeNumber('--rows', 'BAD_ROWS', a.rows);
  return {
    settings: {
      redact: a.redact,
      redactHeaders: nameList(a['redact-header']),
      redactFields: nameList(a['redact-field']),
      allowRemote: a['allow-remote'],
      maxValue: a['max-value'],
      maxRows: wholeNumber('--max-rows', 'BAD_ROWS', a['max-rows']),
    },
    capture: captureOf(a),
    output: {
      json: a.json,
      quiet: a.quiet,
      preview: a.preview,
      showData: a['show-data'],
      filter,
      rows,
      frames: a.frames,
    },
    filter,
    ui: a.ui,
    grace: a.grace,
    transport: transportOf(a.transport, a['transport-option']),
  };
}

function captureOf(a: ProxyArgs): SessionOptions['capture'] {
  const sizeText = a['capture-max-size'];
  const maxPayload = a['max-payload'];
  if (!a.capture && (sizeText !== undefined || maxPayload !== undefined)) {
    throw usageError(
      'NO_CAPTURE',
      '--capture-max-size and --max-payload shape the capture: add --capture FILE',
    );
  }
  let maxSize: number | undefined;
  if (sizeText !== undefined) {
    maxSize = parseSize(sizeText);
    if (maxSize === undefined || maxSize < 4096) {
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
  if (!a.capture) return undefined;
  return {
    path: a.capture,
    format: a['capture-format'] as 1 | 2,
    overwrite: a.overwrite,
    maxSize,
    keep,
    maxPayload,
  };
}

/** --transport TARGET and its --transport-option KEY=VALUE... or '{"json": "object"}' */
export function transportOf(target: unknown, options: unknown): TransportSpec | undefined {
  const list = (Array.isArray(options) ? options : options === undefined ? [] : [options]).map(
    String,
  );
  if (target === undefined) {
    if (list.length) throw usageError('BAD_TRANSPORT', '--transport-option needs --transport');
    return undefined;
  }
  if (typeof target !== 'string' || target === '') {
    throw usageError('BAD_TRANSPORT', 'give one --transport TARGET, e.g. --transport pino/file');
  }
  const opts: Record<string, unknown> = {};
  for (const item of list) {
    if (item.trimStart().startsWith('{')) {
      let o: unknown;
      try {
        o = JSON.parse(item);
      } catch (err) {
        throw usageError(
          'BAD_TRANSPORT_OPTION',
          `--transport-option ${item.slice(0, 40)} is not JSON (${(err as Error).message})`,
        );
      }
      Object.assign(opts, o);
      continue;
    }
    const eq = item.indexOf('=');
    if (eq <= 0) {
      throw usageError(
        'BAD_TRANSPORT_OPTION',
        `--transport-option "${item.slice(0, 40)}" is not KEY=VALUE: write e.g. --transport-option destination=events.jsonl`,
      );
    }
    const keys = item.slice(0, eq).split('.');
    let at = opts;
    for (const k of keys.slice(0, -1)) at = (at[k] ??= {}) as Record<string, unknown>;
    at[keys[keys.length - 1]!] = optionValue(item.slice(eq + 1));
  }
  return { target, options: opts };
}

/** numbers, booleans and null as JSON has them; anything else is the string as written */
function optionValue(v: string): unknown {
  if (/^(-?\d+(\.\d+)?|true|false|null)$/.test(v)) return JSON.parse(v);
  return v;
}
