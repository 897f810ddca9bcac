// `looptap [tcp] --target [HOST:]PORT`, or several routes at once (`--route`, `--config`): the
// relays with one live view, one capture (rotating when --capture-max-size is set) and one
// summary. A route that cannot start says why in one line and the others still run.
//
//   relay "pg"    ──┐  (each stamps its route on its events)
//   relay "redis" ──┼──▶ one hub ──▶ capture, live view, summary
//   relay "web"   ──┘

import { runUntilSignal } from '../lifecycle.js';
import { startRelay } from '../../relay/tcp-relay.js';
import type { DecodeSetting } from '../../events.js';
import { Hub, type Sink } from '../../capture/hub.js';
import { RotatingCaptureFile } from '../../capture/rotating-file.js';
import { openOutputs, type OutputFlags } from '../output.js';
import { routeLines, summaryLine, Tally } from '../summary.js';
import type { RouteSpec } from '../routes.js';
import { LooptapError } from '../../util/errors.js';
import { startHttpRoute } from './http-route.js';

export interface TcpFlags extends OutputFlags {
  /** one route from --target/--listen; ignored when `routes` is given */
  target?: string;
  listen?: string;
  /** several routes (--route, --config); events then carry `route` */
  routes?: RouteSpec[];
  decode: DecodeSetting;
  redact: boolean;
  stripTls: boolean;
  allowRemote: boolean;
  grace: number;
  connectTimeout: number;
  maxValue: number;
  captureMaxSize?: number;
  captureKeep?: number;
  maxPayload?: number;
}

interface Running {
  name?: string;
  close(graceMs?: number): Promise<void>;
}

export async function runTcp(flags: TcpFlags): Promise<number> {
  const say = (msg: string): boolean => process.stderr.write(`looptap: ${msg}\n`);
  let captureFailed = false;
  let capture: RotatingCaptureFile | undefined;
  if (flags.capture) {
    capture = await RotatingCaptureFile.open(flags.capture, {
      maxSize: flags.captureMaxSize,
      keep: flags.captureKeep,
      maxPayload: flags.maxPayload,
    });
    capture.onError((err) => {
      captureFailed = true;
      say(err.message);
    });
  }
  const outputs = await openOutputs({ ...flags, capture: undefined }, say);
  const tally = new Tally();
  const sinks: Sink[] = [...(capture ? [capture] : []), ...outputs.sinks, tally];
  const shared = new Hub(sinks);
  const multi = flags.routes !== undefined;
  const routes: RouteSpec[] = flags.routes ?? [
    {
      name: '',
      listen: flags.listen ?? '127.0.0.1:0',
      target: flags.target ?? '',
      mode: 'tcp',
      decode: flags.decode,
    },
  ];

  const running: Running[] = [];
  for (const r of routes) {
    try {
      running.push(await startRoute(r, multi, shared, flags));
    } catch (err) {
      if (!multi || !(err instanceof LooptapError)) {
        await Promise.all(running.map((x) => x.close(0)));
        await shared.close();
        throw err;
      }
      say(`route ${r.name} did not start: ${err.message}`);
    }
  }
  if (running.length === 0) {
    await shared.close();
    say(`no route could start (${routes.length} tried); fix the lines above and run again`);
    return 1;
  }
  if (!flags.redact) say('--no-redact: passwords and credentials WILL be shown and captured');
  if (flags.stripTls) {
    say(
      '--strip-tls is ON: PostgreSQL SSLRequest is answered N and MySQL loses its SSL capability, so sslmode=prefer clients talk in PLAIN TEXT through this proxy. For local debugging only.',
    );
  }

  await runUntilSignal(
    {
      close: async (graceMs) => {
        await Promise.all(running.map((x) => x.close(graceMs)));
        await shared.close();
      },
    },
    capture,
    flags.grace,
  );
  if (!flags.json) {
    process.stderr.write(summaryLine(tally, capture) + '\n');
    if (multi) for (const line of routeLines(tally)) process.stderr.write(line + '\n');
  }
  if (capture && capture.dropped > 0) {
    say(`capture ${capture.path} is incomplete: ${capture.dropped} events were not written`);
  }
  return captureFailed ? 1 : 0;
}

async function startRoute(
  r: RouteSpec,
  multi: boolean,
  shared: Hub,
  flags: TcpFlags,
): Promise<Running> {
  if (r.mode === 'http') {
    return startHttpRoute(r, shared, flags, multi);
  }
  const relay = await startRelay({
    target: r.target,
    listen: r.listen,
    decode: r.decode,
    redact: flags.redact,
    stripTls: flags.stripTls,
    allowRemote: flags.allowRemote,
    connectTimeoutMs: flags.connectTimeout,
    maxValue: flags.maxValue,
    hub: shared,
    route: multi ? r.name : undefined,
  });
  return {
    name: r.name,
    close: (graceMs) => relay.close(graceMs),
  };
}
