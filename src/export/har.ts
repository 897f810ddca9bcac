// `looptap export FILE --format har`: the HAR 1.2 format module (the builder is src/http/har.ts).
// Entries are written one by one so that no single string holds the whole file.

import type { ExportFormat } from './formats.js';
import { HarBuilder } from '../http/har.js';
import { VERSION } from '../version.js';
import { put, withOutput } from './output.js';
import { usageError } from '../util/errors.js';

export const har: ExportFormat = {
  name: 'har',
  async write(events, target) {
    const b = new HarBuilder();
    for await (const e of events) b.add(e);
    const entries = b.entries();
    if (entries.length === 0) {
      throw usageError(
        'NOTHING_TO_EXPORT',
        'the capture holds no HTTP requests, so the HAR would be empty: nothing was written (HAR export reads the HTTP messages of looptap http or --decode http captures)',
      );
    }
    await withOutput(target, async (out) => {
      const creator = JSON.stringify({ name: 'looptap', version: VERSION });
      await put(out, `{"log":{"version":"1.2","creator":${creator},"entries":[`);
      for (let i = 0; i < entries.length; i++) {
        await put(out, `${i ? ',' : ''}\n${JSON.stringify(entries[i])}`);
      }
      await put(out, '\n]}}\n');
    });
    return `${entries.length} HAR entr${entries.length === 1 ? 'y' : 'ies'}`;
  },
};
