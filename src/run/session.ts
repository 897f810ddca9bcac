// One run of looptap's proxies, for `looptap tcp` and `looptap http` alike: the capture
// (rotation and --max-payload in both modes), the tally behind the summary, one hub, every
// route, the web UI, and one close(). The caller brings its outputs (the live view, a
// transport) as sinks and a Log for what the run has to say; signals and exit codes stay
// with the caller (src/cli/proxy-run.ts).
//
//   route "pg"    ──┐  (each stamps its route on its events)
//   route "redis" ──┼──▶ one hub ──▶ capture, outputs, tally
//   route "web"   ──┘

import { Hub, type Sink } from '../capture/hub.js';
import { RotatingCaptureFile, type RotatingOptions } from '../capture/rotating-file.js';
import { fingerprintReady } from '../digest/fingerprint.js';
import type { Filter } from '../filter/index.js';
import type { Log } from '../log/log.js';
import { Tally } from './summary.js';
import { maybeStartUi } from '../ui/cli.js';
import type { UiServer } from '../ui/server.js';
import { LooptapError, usageError } from '../util/errors.js';
import type { RouteSpec } from './route-spec.js';
import { startRoute, type RouteSettings, type StartedRoute } from './start-route.js';

export interface SessionOptions {
  routes: RouteSpec[];
  /** several routes: events carry `route`, and a route that cannot start does not stop the rest */
  multi: boolean;
  settings: RouteSettings;
  capture?: { path: string } & RotatingOptions;
  /** where events go besides the capture: the live view, a transport */
  outputs: Sink[];
  /** what the tally's digest counts (--filter) */
  filter?: Filter;
  /** --ui [HOST:PORT] */
  ui?: string;
  log: Log;
}

export interface Session {
  readonly hub: Hub;
  readonly tally: Tally;
  readonly capture?: RotatingCaptureFile;
  readonly routes: StartedRoute[];
  /** a sink failed while running (the capture's disk): the run ends with exit 1 */
  readonly failed: boolean;
  close(graceMs?: number): Promise<void>;
}

export async function openSession(o: SessionOptions): Promise<Session> {
  for (const r of o.routes) {
    if (r.mode === 'http' && (r.faults ?? o.settings.faults)?.length) {
      throw usageError(
        'BAD_FAULT',
        `route ${r.name} is an http route: --fault works on tcp routes (give the faults in that route's "faults" or use mode tcp)`,
      );
    }
  }
  let failed = false;
  let capture: RotatingCaptureFile | undefined;
  if (o.capture) {
    const { path, ...rotation } = o.capture;
    try {
      capture = await RotatingCaptureFile.open(path, rotation);
    } catch (err) {
      // the outputs are the caller's, but already open (the top screen owns the terminal)
      await Promise.allSettled(o.outputs.map((s) => s.close()));
      throw err;
    }
    capture.onError((err) => {
      failed = true;
      o.log.error(err.message, { code: err.code });
    });
  }
  // fingerprints from the first exchange on come from the PostgreSQL parser (docs/stats.md)
  await fingerprintReady();
  const tally = new Tally(o.filter);
  const hub = new Hub([...(capture ? [capture] : []), ...o.outputs, tally]);
  const routes: StartedRoute[] = [];
  let ui: UiServer | undefined;
  const closeAll = async (graceMs?: number): Promise<void> => {
    await Promise.all(routes.map((x) => x.close(graceMs)));
    await ui?.close();
    await hub.close();
  };
  // the UI binds before any route announces itself, so a busy --ui port fails the run before a
  // `listening on` line says it started; its own line follows the routes' lines
  try {
    ui = await maybeStartUi(
      { ui: o.ui, allowRemote: o.settings.allowRemote },
      hub,
      { targets: o.routes.map((r) => r.target), capture: o.capture?.path },
      () => undefined,
    );
  } catch (err) {
    await closeAll(0);
    throw err;
  }
  for (const r of o.routes) {
    try {
      routes.push(await startRoute(r, o.settings, hub, o.multi));
    } catch (err) {
      if (!o.multi || !(err instanceof LooptapError)) {
        await closeAll(0);
        throw err;
      }
      o.log.error(`route ${r.name} did not start: ${err.message}`, { code: err.code });
    }
  }
  if (routes.length === 0) {
    await closeAll(0);
    throw new LooptapError(
      'NO_ROUTE',
      `no route could start (${o.routes.length} tried); fix the lines above and run again`,
    );
  }
  if (ui) o.log.info(`ui: ${ui.url}`, { ui: ui.url }, { bare: true });
  return {
    hub,
    tally,
    capture,
    routes,
    get failed() {
      return failed;
    },
    close: closeAll,
  };
}
