// The export formats `looptap export --format NAME` knows. Each format is a module in
// src/export/<name>.ts, loaded only when asked for. To add one, write the module and add a line
// to FORMATS; FORMAT_NAMES is what --format accepts (the contract's list), so a listed format
// without a module gets a clear one-line "not available" error (exit 2).
//
// A format owns its output: `write` gets the path ('-' for stdout), so that a format can write
// a stream (HAR, through output.ts: 0600, temporary file renamed at the end) or seek and patch
// (pcap). It resolves with a one-line summary for stderr ("12 HAR entries").

import type { CaptureEvent } from '../events.js';
import { usageError } from '../util/errors.js';

export interface ExportFormat {
  readonly name: string;
  write(events: AsyncIterable<CaptureEvent>, out: string): Promise<string>;
}

export const FORMAT_NAMES = ['har', 'pcap'] as const;

export const FORMATS: Partial<Record<string, () => Promise<ExportFormat>>> = {
  har: async () => (await import('./har.js')).har,
  pcap: async () => (await import('./pcap.js')).pcap,
};

export async function loadFormat(name: string): Promise<ExportFormat> {
  const load = FORMATS[name];
  if (!load) {
    throw usageError(
      'NO_FORMAT',
      `export format "${name}" is not available in this looptap build; use --format ${Object.keys(FORMATS).join(' or --format ')}`,
    );
  }
  return load();
}
