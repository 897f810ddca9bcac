// The replay engine: capture -> selected sessions -> one validated Plan per connection (any
// problem stops here, before a byte is sent) -> run them against the target -> comparisons.
//
//   loadCapture ─▶ select ─▶ plan (tcp | http | postgres | redis | mysql) ─▶ run ─▶ onCompare(c)

import { loadCapture, type Session } from './load.js';
import { select, type Selection } from './select.js';
import type { Comparison, Plan, ReplaySettings } from './types.js';
import { tcpPlan } from './tcp-turns.js';
import { httpPlan } from './http.js';
import { postgresPlan } from './postgres.js';
import { redisPlan } from './redis.js';
import { mysqlPlan } from './mysql.js';
import { CaptureReadError } from '../capture/reader.js';
import { sleepUntil } from './pacing.js';

export interface ReplayOptions extends Selection {
  file: string;
  /** resend every connection as raw TCP turns, whatever the decoders said */
  raw?: boolean;
}

export interface Prepared {
  plans: Plan[];
  skipped: Array<{ conn: number; why: string }>;
}

export async function prepare(opts: ReplayOptions, settings: ReplaySettings): Promise<Prepared> {
  const capture = await loadCapture(opts.file);
  const sessions = select(capture, opts);
  const plans: Plan[] = [];
  const skipped: Prepared['skipped'] = [];
  for (const s of sessions) {
    if (s.gap) throw new CaptureReadError(opts.file, s.gap.line, s.gap.why);
    const p = planFor(s, opts, settings);
    if ('skip' in p) skipped.push({ conn: s.conn, why: p.skip });
    else plans.push(p);
  }
  return { plans, skipped };
}

function planFor(
  s: Session,
  opts: ReplayOptions,
  settings: ReplaySettings,
): Plan | { skip: string } {
  if (opts.raw) return tcpPlan(s);
  // PostgreSQL is framed here, not by the decoder, so a decoder that gave up does not matter;
  // for the others a fallback means the bytes were not that protocol after all
  if (s.protocol === 'postgres') return postgresPlan(s, opts.file, settings);
  if (s.fallback) return tcpPlan(s);
  switch (s.protocol) {
    case 'redis':
      return redisPlan(s, opts.file, settings);
    case 'http':
      return httpPlan(s, opts.file, settings) ?? tcpPlan(s);
    case 'mysql':
      return mysqlPlan(s, opts.file, settings);
    default:
      return tcpPlan(s);
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
