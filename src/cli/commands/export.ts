// `looptap export FILE --format NAME --out FILE`: reads a capture and hands its events to a
// format module (src/export/formats.ts). An unknown or unavailable format fails before the
// capture is read or any file is created.

import { readCapture } from '../../capture/reader.js';
import { loadFormat } from '../../export/formats.js';

export interface ExportFlags {
  file: string;
  format: string;
  out: string;
}

export async function runExport(flags: ExportFlags): Promise<number> {
  const format = await loadFormat(flags.format);
  const summary = await format.write(readCapture(flags.file), flags.out);
  const where = flags.out === '-' ? '' : ` to ${flags.out}`;
  process.stderr.write(`looptap: exported ${summary} from ${flags.file}${where}\n`);
  return 0;
}
