// `looptap [tcp] --target [HOST:]PORT`: the relay with the live view and an optional capture.

import { startRelay } from '../../relay/tcp-relay.js';
import type { DecodeSetting } from '../../events.js';
import { openOutputs, type OutputFlags } from '../output.js';
import { runUntilSignal } from '../lifecycle.js';
import { summaryLine, Tally } from '../summary.js';

export interface TcpFlags extends OutputFlags {
  target: string;
  listen?: string;
  decode: DecodeSetting;
  redact: boolean;
  stripTls: boolean;
  allowRemote: boolean;
  grace: number;
  connectTimeout: number;
  maxValue: number;
}

export async function runTcp(flags: TcpFlags): Promise<number> {
  let captureFailed = false;
  const outputs = await openOutputs(flags, (msg) => {
    captureFailed = true;
    process.stderr.write(`looptap: ${msg}\n`);
  });
  const tally = new Tally();
  let relay;
  try {
    relay = await startRelay({
      target: flags.target,
      listen: flags.listen,
      decode: flags.decode,
      redact: flags.redact,
      stripTls: flags.stripTls,
      allowRemote: flags.allowRemote,
      connectTimeoutMs: flags.connectTimeout,
      maxValue: flags.maxValue,
      sinks: [...outputs.sinks, tally],
    });
  } catch (err) {
    await outputs.capture?.close();
    throw err;
  }
  if (!flags.redact) {
    process.stderr.write(
      'looptap: --no-redact: passwords and credentials WILL be shown and captured\n',
    );
  }
  if (flags.stripTls) {
    process.stderr.write(
      'looptap: --strip-tls is ON: PostgreSQL SSLRequest is answered N and MySQL loses its SSL capability, so sslmode=prefer clients talk in PLAIN TEXT through this proxy. For local debugging only.\n',
    );
  }
  await runUntilSignal(relay, outputs.capture, flags.grace);
  if (!flags.json) process.stderr.write(summaryLine(tally, outputs.capture) + '\n');
  if (outputs.capture && outputs.capture.dropped > 0) {
    process.stderr.write(
      `looptap: capture ${outputs.capture.path} is incomplete: ${outputs.capture.dropped} events were not written\n`,
    );
  }
  return captureFailed ? 1 : 0;
}
