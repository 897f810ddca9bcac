// Which recorded connections to replay: --conn N (repeatable), --protocol NAME ('tcp' for
// connections no decoder recognised), --since/--until (connections opened in that time range;
// ISO dates, epoch ms, or +SECONDS from the capture's start), --filter EXPR (connections with at
// least one exchange the filter language matches: a connection is resent whole or not at all,
// since its later requests depend on the earlier ones).

import type { Capture, Session } from './load.js';
import { usageError } from '../util/errors.js';
import { FilterError, parseFilter, type Filter } from '../filter/index.js';

export interface Selection {
  conn?: number[];
  protocol?: string;
  since?: string;
  until?: string;
  filter?: string;
}

function filterOf(expr: string): Filter {
  try {
    return parseFilter(expr);
  } catch (err) {
    if (err instanceof FilterError) {
      throw usageError('BAD_FILTER', `--filter "${expr}": ${err.message}; see docs/filter.md`);
    }
    throw err;
  }
}

export function parseTime(text: string, captureStart: number, flag: string): number {
  const rel = /^\+(\d+(?:\.\d+)?)s?$/.exec(text.trim());
  if (rel) return captureStart + Number(rel[1]) * 1000;
  if (/^\d{12,}$/.test(text.trim())) return Number(text);
  const t = Date.parse(text);
  if (Number.isNaN(t)) {
    throw usageError(
      'BAD_TIME',
      `--${flag} "${text}" is not a time: give an ISO date (2024-05-01T10:00:00Z), epoch ms, or +SECONDS from the capture's start`,
    );
  }
  return t;
}

export function select(capture: Capture, sel: Selection): Session[] {
  // a bad expression is a usage error even when another selector already selected nothing
  const filter = sel.filter !== undefined ? filterOf(sel.filter) : undefined;
  let out = [...capture.sessions.values()].sort((a, b) => a.start - b.start || a.conn - b.conn);
  if (sel.conn && sel.conn.length) {
    const missing = sel.conn.filter((c) => !capture.sessions.has(c));
    if (missing.length) {
      throw usageError(
        'NO_SUCH_CONN',
        `${capture.file} has no connection ${missing.join(', ')}: see the ids with looptap view ${capture.file}`,
      );
    }
    const want = new Set(sel.conn);
    out = out.filter((s) => want.has(s.conn));
  }
  if (sel.protocol) out = out.filter((s) => (s.protocol ?? 'tcp') === sel.protocol);
  if (sel.since) {
    const t = parseTime(sel.since, capture.start, 'since');
    out = out.filter((s) => s.start >= t);
  }
  if (sel.until) {
    const t = parseTime(sel.until, capture.start, 'until');
    out = out.filter((s) => s.start <= t);
  }
  const before = out.length;
  if (filter) out = out.filter((s) => s.exchanges.some((x) => filter.match(x)));
  if (out.length === 0) {
    const anyExchange = [...capture.sessions.values()].some((s) => s.exchanges.length > 0);
    const why =
      filter && before > 0
        ? anyExchange
          ? ` with an exchange that matches --filter "${filter.source}"`
          : ` with exchanges for --filter to match (a capture from looptap 0.1 has none: select with --conn or --protocol)`
        : sel.conn || sel.protocol || sel.since || sel.until
          ? ' that matches --conn/--protocol/--since/--until'
          : '';
    throw usageError(
      'NOTHING_SELECTED',
      `nothing to replay: ${capture.file} has no connection${why}`,
    );
  }
  return out;
}
