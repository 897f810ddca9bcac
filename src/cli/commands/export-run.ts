// `looptap export FILE --format NAME --out FILE`: reads a capture and hands its events to a
// format module (src/export/formats.ts). An unknown or unavailable format fails before the
// capture is read or any file is created.

import { readCapture } from '../../capture/reader.js';
import { loadFormat } from '../../export/formats.js';
import { filterFlag } from '../../filter/cli.js';
import { matchingConnections, onlyConnections } from '../../filter/connections.js';
import { usageError } from '../../util/errors.js';
import type { CaptureEvent } from '../../events.js';
import type { Log } from '../../log/log.js';

export interface ExportFlags {
  file: string;
  format: string;
  out: string;
  /** --filter EXPR: only the connections with a matching exchange (docs/filter.md) */
  filter?: string;
}

export async function runExport(flags: ExportFlags, log: Log): Promise<number> {
  const format = await loadFormat(flags.format);
  const summary = await format.write(await selected(flags), flags.out);
  const where = flags.out === '-' ? '' : ` to ${flags.out}`;
  log.info(`exported ${summary} from ${flags.file}${where}`);
  return 0;
}

/** the capture's events, or with --filter those of the connections it selects (a first pass
 * finds them; selecting nothing is exit 2 before any file is written) */
async function selected(flags: ExportFlags): Promise<AsyncIterable<CaptureEvent>> {
  if (flags.filter === undefined) return readCapture(flags.file);
  const filter = filterFlag(flags.filter);
  const { keys, exchanges } = await matchingConnections(readCapture(flags.file), filter);
  if (keys.size === 0) {
    throw usageError(
      'NOTHING_SELECTED',
      exchanges === 0
        ? `--filter selects exchanges, and ${flags.file} has none (written before looptap 0.2?): export it without --filter`
        : `--filter ${JSON.stringify(flags.filter)} selected none of the ${exchanges} exchanges in ${flags.file}: loosen it (docs/filter.md)`,
    );
  }
  return onlyConnections(readCapture(flags.file), keys);
}
