// Compares the results of one PostgreSQL request: what result-compare.ts compares for every SQL
// protocol (errors by SQLSTATE, row counts and digests), and command tags and column names.

import type { PgResult } from './pg-wire.js';
import { show } from './diff.js';
import { compareResultLists } from './result-compare.js';

export function compareResults(recorded: PgResult[], replayed: PgResult[]): string[] {
  return compareResultLists(recorded, replayed, (a, b, at) => {
    const out: string[] = [];
    if (a.tag !== b.tag) out.push(`${at}tag ${show(a.tag)} -> ${show(b.tag)}`);
    if ((a.columns ?? []).join() !== (b.columns ?? []).join()) {
      out.push(`${at}columns ${show(a.columns)} -> ${show(b.columns)}`);
    }
    return out;
  });
}
