// Compares the results of one MySQL/MariaDB command: OK affected rows, ERR number and SQLSTATE,
// result set column names, row counts and row digests (with the first differing rows shown),
// and the counts of a prepared statement. The same error in both runs is not a difference
// (only the number and SQLSTATE count: messages may be translated or name other ids).

import type { MyResult } from './mysql-wire.js';
import { rowDifferences, show } from './diff.js';

export function compareMysql(recorded: MyResult[], replayed: MyResult[]): string[] {
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
    if (a.error || a.volatile || b.volatile) continue;
    if (a.affected !== b.affected) {
      out.push(`${at}affected rows ${show(a.affected)} -> ${show(b.affected)}`);
    }
    if (a.prepared && b.prepared) {
      if (a.prepared.params !== b.prepared.params) {
        out.push(`${at}parameters ${a.prepared.params} -> ${b.prepared.params}`);
      }
    }
    if (a.columns && b.columns && a.columns.join('\0') !== b.columns.join('\0')) {
      out.push(`${at}columns ${show(a.columns)} -> ${show(b.columns)}`);
    } else if (!a.columns !== !b.columns) {
      out.push(`${at}columns ${show(a.columns)} -> ${show(b.columns)}`);
    }
    if (a.rows !== b.rows) out.push(`${at}rows ${a.rows} -> ${b.rows}`);
    out.push(...rowDifferences(at, a, b));
  }
  return out;
}
