// `looptap view FILE --ui`: a capture in the web UI, read-only (no relay). The file is loaded
// into the store (the newest exchanges in memory, older ones paged from the file); with
// --follow, what is appended is loaded as it comes.

import fs from 'node:fs';
import { ExchangeStore } from '../store/exchange-store.js';
import { openCapture } from '../capture/reader.js';

export async function viewInUi(file: string, listen: string, follow: boolean): Promise<number> {
  fs.closeSync(openCapture(file)); // one clear line (exit 2) for a missing file or a directory
  const store = new ExchangeStore({ capturePath: file });
  const { startUi } = await import('./server.js');
  const ui = await startUi({ listen, store, readOnly: true });
  await store.load();
  process.stderr.write(`ui: ${ui.url}\n`);
  const s = store.stats();
  process.stderr.write(
    `looptap: ${file}: ${s.total} exchanges, ${s.connections} connections; Ctrl-C to stop\n`,
  );
  let loading = false;
  const reload = (): void => {
    if (loading) return;
    loading = true;
    void store.load().finally(() => (loading = false));
  };
  if (follow) fs.watchFile(file, { interval: 500 }, reload);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  if (follow) fs.unwatchFile(file, reload);
  await ui.close();
  return 0;
}
