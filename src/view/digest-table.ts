// The digest as text: the table `looptap stats` prints, the end-of-run top 5 and the N+1 lines.
// Numbers are right-aligned and the fingerprint comes last, cut to the screen's width.

import type { NPlusOneFinding, StatsRow } from '../digest/index.js';
import { escapeText } from './preview.js';

const HEAD = ['protocol', 'calls', 'errors', 'rows', 'total ms', 'p50 ms', 'p95 ms', 'max ms'];

export function digestTable(rows: StatsRow[], width = 160): string[] {
  const cells = rows.map((r) => [
    r.protocol,
    String(r.calls),
    String(r.errors),
    String(r.rows),
    ms(r.totalMs),
    ms(r.p50Ms),
    ms(r.p95Ms),
    ms(r.maxMs),
  ]);
  const widths = HEAD.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[], fp: string): string => {
    const left = c
      .map((v, i) => (i === 0 ? v.padEnd(widths[i]!) : v.padStart(widths[i]!)))
      .join('  ');
    return left + '  ' + cut(fp, Math.max(20, width - left.length - 2));
  };
  return [
    line(HEAD, 'fingerprint'),
    ...cells.map((c, i) => line(c, escapeText(rows[i]!.fingerprint))),
  ];
}

/** `N+1: 12 x select * from users where id = $1 on #3 (route db, exchanges #10-#21, inside #7)` */
export function findingLine(f: NPlusOneFinding, width = 160): string {
  const where = [
    f.route !== undefined ? `route ${f.route}` : '',
    `exchanges #${f.firstId}-#${f.lastId}`,
    f.parentId !== undefined ? `inside #${f.parentId}` : '',
  ]
    .filter(Boolean)
    .join(', ');
  const tail = ` on #${f.conn} (${where})`;
  const head = `N+1: ${f.count} x `;
  return (
    head + cut(escapeText(f.fingerprint), Math.max(20, width - head.length - tail.length)) + tail
  );
}

/** milliseconds for a table cell: three significant digits or more, never exponent notation */
export function ms(v: number): string {
  if (v === 0) return '0';
  if (v < 1) return v.toFixed(3);
  if (v < 10) return v.toFixed(2);
  if (v < 1000) return v.toFixed(1);
  return v.toFixed(0);
}

export function cut(s: string, width: number): string {
  return s.length > width ? s.slice(0, Math.max(1, width - 1)) + '…' : s;
}
