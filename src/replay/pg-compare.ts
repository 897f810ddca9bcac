// Compares the results of one PostgreSQL request: tags, columns, row counts, row digests and
// error SQLSTATEs. The same error in both runs is not a difference (the message text may
// name different object ids or be translated, so only the SQLSTATE counts).

import type { PgResult } from './pg-wire.js';
import { rowDifferences, show } from './diff.js';

export function compareResults(recorded: PgResult[], replayed: PgResult[]): string[] {
  const out: string[] = [];
  if (recorded.length !== replayed.length) {
    out.push(`results ${recorded.length} -> ${replayed.length}`);
  }
  for (let i = 0; i < Math.min(recorded.length, replayed.length); i++) {
    const a = recorded[i]!;
    const b = replayed[i]!;
    const at = recorded.length > 1 ? `result ${i + 1} ` : '';
    if (a.error !== b.error) {
      out.push(
        `${at}error ${a.error ?? 'none'} -> ${b.error ?? 'none'}${b.errorMessage ? ` (${b.errorMessage})` : ''}`,
      );
      continue;
    }
    if (a.error) continue;
    if (a.tag !== b.tag) out.push(`${at}tag ${show(a.tag)} -> ${show(b.tag)}`);
    if ((a.columns ?? []).join() !== (b.columns ?? []).join()) {
      out.push(`${at}columns ${show(a.columns)} -> ${show(b.columns)}`);
    }
    if (a.rows !== b.rows) out.push(`${at}rows ${a.rows} -> ${b.rows}`);
    out.push(...rowDifferences(at, a, b));
  }
  return out;
}
