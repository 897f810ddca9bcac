// What a replay says: one line per difference as it is found (human) or one JSON line per
// comparison (--json), a summary line at the end, and with --report FILE a JSON document
// holding every comparison with its recorded and replayed form.

import fs from 'node:fs';
import type { Comparison } from './types.js';
import { cap } from './diff.js';
import { LooptapError } from '../util/errors.js';
import { plural } from '../util/plural.js';

export interface Summary {
  connections: number;
  requests: number;
  same: number;
  different: number;
  skipped: Array<{ conn: number; why: string }>;
  /** requests --skip-redacted left out */
  leftOut: number;
}

export function summarize(
  comparisons: Comparison[],
  connections: number,
  skipped: Summary['skipped'],
  leftOut = 0,
): Summary {
  const different = comparisons.filter((c) => !c.same).length;
  return {
    connections,
    requests: comparisons.length,
    same: comparisons.length - different,
    different,
    skipped,
    leftOut,
  };
}

export function summaryLine(s: Summary): string {
  const skipped =
    (s.skipped.length ? `; skipped ${plural(s.skipped.length, 'connection')}` : '') +
    (s.leftOut ? `; left out ${plural(s.leftOut, 'redacted request')}` : '');
  return `replayed ${plural(s.connections, 'connection')}, ${plural(s.requests, 'request')}: ${s.same} same, ${s.different} different${skipped}`;
}

/** the human lines for one comparison: nothing when it matched */
export function humanLines(c: Comparison): string[] {
  if (c.same) return [];
  return [
    `conn ${c.conn} #${c.index} ${c.kind} ${c.request}: different`,
    ...cap(c.diffs).map((d) => `  ${d}`),
  ];
}

export function jsonLine(c: Comparison): string {
  // the human and JSON-lines outputs leave the payloads to --report
  return JSON.stringify({ type: 'comparison', ...c, recorded: undefined, replayed: undefined });
}

export function writeReport(
  path: string,
  file: string,
  target: string,
  s: Summary,
  all: Comparison[],
): void {
  const doc = {
    format: 'looptap-replay-report',
    version: 1,
    capture: file,
    target,
    summary: s,
    comparisons: all,
  };
  try {
    fs.writeFileSync(path, JSON.stringify(doc, null, 2) + '\n', { mode: 0o600 });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new LooptapError(
      e.code ?? 'REPORT_FAILED',
      `cannot write report ${path}: ${e.code ?? e.message}; pick a path you can write`,
    );
  }
}
