// `looptap serve --api HOST:PORT`: the Toxiproxy-compatible API (src/faults/api-server.ts) and
// the proxies it creates, all on one hub: one live view, one capture. The API address is the
// first line on stdout (port 0 resolved), so scripts and tests can read it.

import fs from 'node:fs';
import { Hub, type Sink } from '../../capture/hub.js';
import type { DecodeSetting } from '../../events.js';
import { ApiError } from '../../faults/api-error.js';
import { startApiServer } from '../../faults/api-server.js';
import { ProxyCollection } from '../../faults/proxies.js';
import { usageError } from '../../util/errors.js';
import { VERSION } from '../../version.js';
import { runUntilSignal } from '../lifecycle.js';
import { openOutputs } from '../output.js';
import type { Log } from '../../log/log.js';

export interface ServeFlags {
  api: string;
  config?: string;
  capture?: string;
  /** --overwrite: the capture may replace a non-empty file */
  overwrite: boolean;
  json: boolean;
  quiet: boolean;
  preview: number;
  decode: DecodeSetting;
  redact: boolean;
  allowRemote: boolean;
  grace: number;
}

export async function runServe(flags: ServeFlags, log: Log): Promise<number> {
  const config = flags.config ? readConfig(flags.config) : undefined;
  let captureFailed = false;
  const outputs = await openOutputs(flags, (msg) => {
    captureFailed = true;
    log.error(msg);
  });
  const sinks: Sink[] = outputs.sinks;
  const hub = new Hub(sinks);
  const proxies = new ProxyCollection({
    hub,
    decode: flags.decode,
    redact: flags.redact,
    allowRemote: flags.allowRemote,
  });
  let api;
  try {
    api = await startApiServer(proxies, flags.api, VERSION, flags.allowRemote);
  } catch (err) {
    await hub.close();
    throw err;
  }
  const line = `api listening on ${api.url.slice(7)} (Toxiproxy-compatible API at ${api.url}, looptap ${VERSION})`;
  process.stdout.write(
    flags.json
      ? JSON.stringify({ time: Date.now(), level: 30, msg: line, type: 'api', api: api.url }) + '\n'
      : line + '\n',
  );
  if (!flags.redact) log.warn('--no-redact: passwords and credentials WILL be shown and captured');
  if (config) {
    try {
      await proxies.populate(config);
    } catch (err) {
      await api.close();
      await proxies.close();
      await hub.close();
      const why = err instanceof ApiError ? err.message : String(err);
      throw usageError('BAD_CONFIG', `--config ${flags.config}: ${why}`);
    }
  }
  await runUntilSignal(
    {
      close: async () => {
        await api.close();
        await proxies.close();
        await hub.close();
      },
    },
    outputs.capture,
    flags.grace,
    log,
  );
  return captureFailed ? 1 : 0;
}

function readConfig(path: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(path, 'utf8');
  } catch (err) {
    throw usageError('BAD_CONFIG', `cannot read --config ${path}: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw usageError(
      'BAD_CONFIG',
      `--config ${path} is not JSON (${(err as Error).message}): write [{"name": "redis", "listen": "127.0.0.1:26379", "upstream": "127.0.0.1:6379"}]`,
    );
  }
}
