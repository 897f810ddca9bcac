// `--ui [HOST:PORT]` for the commands: starts the UI on a hub and prints the one line the
// contract names (`ui: http://127.0.0.1:PORT/?token=...`) on stderr, so stdout stays the view or
// the JSON lines. The proxies' run path announces it through its log instead (src/run/).

import type { Hub } from '../capture/hub.js';
import type { UiServer } from './server.js';

export interface UiFlags {
  /** undefined: no UI; '' : 127.0.0.1 on a port the OS picks */
  ui?: string;
  allowRemote?: boolean;
}

export async function maybeStartUi(
  flags: UiFlags,
  hub: Hub | undefined,
  more: { targets?: string[]; capture?: string; readOnly?: boolean } = {},
  announce: (url: string) => void = (url) => void process.stderr.write(`ui: ${url}\n`),
): Promise<UiServer | undefined> {
  if (flags.ui === undefined) return undefined;
  const { startUi } = await import('./server.js');
  const ui = await startUi({
    listen: flags.ui,
    allowRemote: flags.allowRemote,
    hub,
    targets: more.targets,
    readOnly: more.readOnly,
    storeOptions: { capturePath: more.capture },
  });
  announce(ui.url);
  return ui;
}
