// The replay engine: capture -> selected sessions -> one validated Plan per connection (any
// problem stops here, before a byte is sent) -> run them against the target -> comparisons.
//
//   loadCapture ─▶ select ─▶ plan (tcp | http | postgres | redis | mysql) ─▶ run ─▶ onCompare(c)
//
// Before anything is sent: a request that carries a value the capture redacted (Plan.redacted)
// is refused (exit 2, listing each) unless the value was supplied or --skip-redacted leaves it
// out; a selection with nothing to send is exit 2 too, never a green run that checked nothing.

import { loadCapture, type Session } from './load.js';
import { select, type Selection } from './select.js';
import type { Comparison, Plan, RedactedRequest, ReplaySettings } from './types.js';
import { tcpPlan } from './tcp-turns.js';
import { httpPlan } from './http.js';
import { postgresPlan } from './postgres.js';
import { redisPlan } from './redis.js';
import { mysqlPlan } from './mysql.js';
import { CaptureReadError } from '../capture/reader.js';
import { sleepUntil } from './pacing.js';
import { usageError } from '../util/errors.js';

export interface ReplayOptions extends Selection {
  file: string;
  /** resend every connection as raw TCP turns, whatever the decoders said */
  raw?: boolean;
}

export interface Prepared {
  plans: Plan[];
  skipped: Array<{ conn: number; why: string }>;
  /** requests that carry a redacted value nobody supplied: replay must not start */
  refused: RedactedRequest[];
  /** requests --skip-redacted leaves out */
  leftOut: RedactedRequest[];
}

export async function prepare(opts: ReplayOptions, settings: ReplaySettings): Promise<Prepared> {
  const capture = await loadCapture(opts.file);
  const sessions = select(capture, opts);
  const out: Prepared = { plans: [], skipped: [], refused: [], leftOut: [] };
  for (const s of sessions) {
    if (s.gap) throw new CaptureReadError(opts.file, s.gap.line, s.gap.why);
    const p = planFor(s, opts, settings);
    if ('skip' in p) out.skipped.push({ conn: s.conn, why: p.skip });
    else admit(p, settings, out);
  }
  return out;
}

/** a plan with redacted requests: refused, trimmed (--skip-redacted), or skipped whole */
function admit(p: Plan, settings: ReplaySettings, out: Prepared): void {
  const redacted = p.redacted ?? [];
  if (redacted.length === 0) out.plans.push(p);
  else if (!settings.skipRedacted) out.refused.push(...redacted);
  else if (p.skipsRedacted) {
    out.leftOut.push(...redacted);
    out.plans.push(p);
  } else {
    out.skipped.push({
      conn: p.conn,
      why: `${redacted.length === 1 ? '1 request carries' : `${redacted.length} requests carry`} a redacted value (--skip-redacted)`,
    });
  }
}

/** exit 2 unless something will be sent; the message says why nothing would be */
export function ensureWork(prepared: Prepared, file: string): void {
  const { plans, skipped, leftOut } = prepared;
  if (plans.length > 0 && plans.some((p) => p.requests === undefined || p.requests > 0)) return;
  const reasons = [
    ...skipped.map((s) => `conn ${s.conn} skipped: ${s.why}`),
    ...(leftOut.length ? [`${leftOut.length} redacted requests left out by --skip-redacted`] : []),
    ...plans.map((p) => `conn ${p.conn} holds no complete request`),
  ];
  throw usageError(
    'NOTHING_TO_REPLAY',
    `nothing to replay in ${file}: ${reasons.join('; ') || 'no connection was selected'}; select other connections (--conn, --protocol) or another capture`,
  );
}

/** the client sent nothing (a port probe, `nc -z`, a health check): there is nothing to resend */
function silentClient(s: Session): boolean {
  return !s.chunks.some((c) => c.from === 'client') && !s.messages.some((m) => m.from === 'client');
}

function planFor(
  s: Session,
  opts: ReplayOptions,
  settings: ReplaySettings,
): Plan | { skip: string } {
  if (silentClient(s)) {
    return { skip: 'the client sent nothing (a port probe or health check): nothing to replay' };
  }
  if (opts.raw) return tcpPlan(s, settings);
  // PostgreSQL is framed here, not by the decoder, so a decoder that gave up does not matter;
  // for the others a fallback means the bytes were not that protocol after all
  if (s.protocol === 'postgres') return postgresPlan(s, opts.file, settings);
  if (s.fallback) return tcpPlan(s, settings);
  switch (s.protocol) {
    case 'redis':
      return redisPlan(s, opts.file, settings);
    case 'http':
      return httpPlan(s, opts.file, settings) ?? tcpPlan(s, settings);
    case 'mysql':
      return mysqlPlan(s, opts.file, settings);
    default:
      return tcpPlan(s, settings);
  }
}

/** Fast pace: one connection after another, in the order they opened. Recorded pace: each
 * connection starts at its recorded offset, side by side with the others. */
export async function runPlans(
  plans: Plan[],
  settings: ReplaySettings,
  onCompare: (c: Comparison) => void,
): Promise<void> {
  if (settings.pace === 'fast') {
    for (const p of plans) await p.run(settings, onCompare);
    return;
  }
  const t0 = Date.now();
  const first = Math.min(...plans.map((p) => p.start));
  const results = await Promise.allSettled(
    plans.map(async (p) => {
      await sleepUntil(t0 + (p.start - first));
      await p.run(settings, onCompare);
    }),
  );
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}
