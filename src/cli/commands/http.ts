// `looptap http --target [HOST:]PORT|URL`: the HTTP reverse proxy with the live view and an
// optional capture. Same outputs, signals and exit codes as `looptap tcp`.

import { startHttpProxy, type HttpProxy } from '../../http/http-proxy-server.js';
import { openOutputs, type OutputFlags } from '../output.js';
import { runUntilSignal } from '../lifecycle.js';
import { summaryLine, Tally } from '../summary.js';

export interface HttpFlags extends OutputFlags {
  target: string;
  listen?: string;
  redact: boolean;
  allowRemote: boolean;
  grace: number;
  maxValue: number;
  hostRewrite: boolean;
  xForwarded: boolean;
  timeout: number;
}

export async function runHttp(flags: HttpFlags): Promise<number> {
  let captureFailed = false;
  const outputs = await openOutputs(flags, (msg) => {
    captureFailed = true;
    process.stderr.write(`looptap: ${msg}\n`);
  });
  const tally = new Tally();
  let proxy: HttpProxy;
  try {
    proxy = await startHttpProxy({
      target: flags.target,
      listen: flags.listen,
      redact: flags.redact,
      allowRemote: flags.allowRemote,
      maxValue: flags.maxValue,
      hostRewrite: flags.hostRewrite,
      xForwarded: flags.xForwarded,
      timeoutMs: flags.timeout,
      sinks: [...outputs.sinks, tally],
    });
  } catch (err) {
    await outputs.capture?.close();
    throw err;
  }
  if (!flags.redact) {
    process.stderr.write(
      'looptap: --no-redact: Authorization and Cookie values WILL be shown and captured\n',
    );
  }
  await runUntilSignal(proxy, outputs.capture, flags.grace);
  if (!flags.json) process.stderr.write(summaryLine(tally, outputs.capture) + '\n');
  if (outputs.capture && outputs.capture.dropped > 0) {
    process.stderr.write(
      `looptap: capture ${outputs.capture.path} is incomplete: ${outputs.capture.dropped} events were not written\n`,
    );
  }
  return captureFailed ? 1 : 0;
}

// routes with mode "http" (http-route.ts) load the library entry point from here
export { startHttpProxy } from '../../http/http-proxy-server.js';
