// Compares the results of one MySQL/MariaDB command: what result-compare.ts compares for every
// SQL protocol, and OK affected rows, result set column names and the counts of a prepared
// statement. COM_STATISTICS answers vary by nature and are not compared.

import type { MyResult } from './mysql-answer.js';
import { show } from './diff.js';
import { compareResultLists } from './result-compare.js';

export function compareMysql(recorded: MyResult[], replayed: MyResult[]): string[] {
  return compareResultLists(recorded, replayed, (a, b, at) => {
    if (a.volatile || b.volatile) return null;
    const out: string[] = [];
    if (a.affected !== b.affected) {
      out.push(`${at}affected rows ${show(a.affected)} -> ${show(b.affected)}`);
    }
    if (a.prepared && b.prepared && a.prepared.params !== b.prepared.params) {
      out.push(`${at}parameters ${a.prepared.params} -> ${b.prepared.params}`);
    }
    if (a.columns && b.columns && a.columns.join('\0') !== b.columns.join('\0')) {
      out.push(`${at}columns ${show(a.columns)} -> ${show(b.columns)}`);
    } else if (!a.columns !== !b.columns) {
      out.push(`${at}columns ${show(a.columns)} -> ${show(b.columns)}`);
    }
    return out;
  });
}
