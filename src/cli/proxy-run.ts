// The one run path of `looptap tcp`, `looptap top` and `looptap http`: the outputs on stdout
// (or the top screen), a --transport, the session (src/run/), the warnings, the wait for
// Ctrl-C, the summary. Returns the exit code: 1 when a route, the capture or the transport
// failed on the way, 0 otherwise.

import type { Sink } from '../capture/hub.js';
import type { Log } from '../log/log.js';
import { TransportSink } from '../log/transport.js';
import type { RouteSpec } from '../run/route-spec.js';
import { openSession, type Session } from '../run/session.js';
import type { CliContext } from './context.js';
import { runUntilSignal } from './lifecycle.js';
import { viewSink } from './output.js';
import type { SharedRun } from './proxy-flags.js';
import { digestLines, routeLines, summaryLine } from '../run/summary.js';

export interface ProxyRun extends SharedRun {
  routes: RouteSpec[];
  multi: boolean;
  /** the full-screen table instead of lines (--top, looptap top) */
  top?: boolean;
}

export async function runProxy(run: ProxyRun, ctx: CliContext): Promise<number> {
  const { log } = ctx;
  // a target that is not there is a usage error: found before anything listens
  const transport = run.transport ? await TransportSink.open(run.transport, log) : undefined;
  const outputs: Sink[] = run.top
    ? (await import('../view/top-screen.js')).openTop(run.filter).sinks
    : [viewSink(run.output)];
  let session: Session;
  try {
    session = await openSession({
      routes: run.routes,
      multi: run.multi,
      settings: run.settings,
      capture: run.capture,
      outputs: transport ? [...outputs, transport] : outputs,
      filter: run.filter,
      ui: run.ui,
      log,
    });
  } catch (err) {
    await transport?.close();
    throw err;
  }
  warn(run, log);
  await runUntilSignal(session, session.capture, run.grace, log);
  // --json keeps stderr quiet for scripts reading stdout, unless stderr is JSON too
  if (!run.output.json || ctx.logFormat === 'json') summarize(session, run.multi, log);
  const capture = session.capture;
  if (capture && capture.dropped > 0) {
    log.error(`capture ${capture.path} is incomplete: ${capture.dropped} events were not written`, {
      code: 'CAPTURE_INCOMPLETE',
    });
  }
  return session.failed || transport?.failed ? 1 : 0;
}

/** what the user turned on that changes what passes or what is kept, said loudly */
function warn(run: ProxyRun, log: Log): void {
  if (!run.settings.redact) {
    const http = run.routes.every((r) => r.mode === 'http');
    log.warn(
      http
        ? '--no-redact: credentials, tokens and password fields WILL be shown and captured'
        : '--no-redact: passwords and credentials WILL be shown and captured',
    );
  }
  for (const r of run.routes) {
    const f = r.faults ?? run.settings.faults;
    if (f?.length) log.warn(`faults ON${run.multi ? ` for route ${r.name}` : ''}: ${f.join('; ')}`);
  }
  if (run.settings.stripTls) {
    log.warn(
      '--strip-tls is ON: PostgreSQL SSLRequest is answered N and MySQL loses its SSL capability, so sslmode=prefer clients talk in PLAIN TEXT through this proxy. For local debugging only.',
    );
  }
}

function summarize(s: Session, multi: boolean, log: Log): void {
  const t = s.tally;
  const c = s.capture;
  log.info(summaryLine(t, c), {
    summary: {
      connections: t.connections,
      bytes: t.bytes,
      messages: Object.fromEntries(t.messages),
      errors: t.errors,
      gaps: t.gaps,
      exchanges: t.digest.exchanges,
      capture: c && { path: c.path, written: c.written, dropped: c.dropped },
    },
  });
  if (multi) for (const line of routeLines(t)) log.info(line);
  const [head, ...table] = digestLines(t, process.stderr.columns);
  if (head) log.info(head, {}, { lines: table });
}
