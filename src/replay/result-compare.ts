// What comparing SQL answers shares across protocols: results are compared in order, the same
// error in both runs is not a difference (only the number / SQLSTATE counts: messages may be
// translated or name other object ids), then the protocol's own fields, the row count and the
// row digests. And the one Comparison a request gets, with the note when nothing was recorded.

import type { Session } from './load.js';
import { rowDifferences } from './diff.js';
import { cutOff } from './tcp-turns.js';
import type { Comparison, ReplayKind } from './types.js';

export interface SqlResult {
  /** error number or SQLSTATE, as the protocol names errors */
  error?: string;
  errorMessage?: string;
  rows: number;
  digest: string;
  sample: unknown[][];
}

/** `own`: the protocol's lines for one pair of results without errors; null: not compared */
export function compareResultLists<T extends SqlResult>(
  recorded: T[],
  replayed: T[],
  own: (a: T, b: T, at: string) => string[] | null,
): string[] {
  const out: string[] = [];
  if (recorded.length !== replayed.length) {
    out.push(`results ${recorded.length} -> ${replayed.length}`);
  }
  for (let i = 0; i < Math.min(recorded.length, replayed.length); i++) {
    const a = recorded[i]!;
    const b = replayed[i]!;
    const at = recorded.length > 1 ? `result ${i + 1} ` : '';
    if (a.error !== b.error) {
      const why = b.errorMessage ? ` (${b.errorMessage})` : '';
      out.push(`${at}error ${a.error ?? 'none'} -> ${b.error ?? 'none'}${why}`);
      continue;
    }
    if (a.error) continue;
    const lines = own(a, b, at);
    if (lines === null) continue;
    out.push(...lines);
    if (a.rows !== b.rows) out.push(`${at}rows ${a.rows} -> ${b.rows}`);
    out.push(...rowDifferences(at, a, b));
  }
  return out;
}

export interface Asked {
  conn: number;
  index: number;
  kind: ReplayKind;
  request: string;
}

/** the Comparison of one request; `diffs` runs only when the capture holds an answer */
export function comparison<R>(
  asked: Asked,
  s: Session,
  recorded: R | undefined,
  replayed: unknown,
  diffs: (recorded: R) => string[],
): Comparison {
  const c: Comparison = {
    ...asked,
    same: true,
    diffs: [],
    recorded: recorded ?? null,
    replayed,
  };
  if (recorded === undefined) {
    c.note = cutOff(s)
      ? 'the capture cut this connection off before the answer'
      : 'no recorded answer';
  } else {
    c.diffs = diffs(recorded);
    c.same = c.diffs.length === 0;
  }
  return c;
}
