// `looptap replay FILE --target PORT`: validate the whole selection, then resend it and print
// the differences. Exit 0 all same, 1 something differed, 2 the capture or flags are unusable.

import { prepare, runPlans } from '../../replay/run.js';
import type { Comparison, ReplaySettings } from '../../replay/types.js';
import { humanLines, jsonLine, summarize, summaryLine, writeReport } from '../../replay/report.js';
import { formatHostPort, parseHostPort, resolveChecked } from '../../util/address.js';
import { usageError } from '../../util/errors.js';

export interface ReplayFlags {
  file: string;
  target: string;
  conn?: number[];
  protocol?: string;
  since?: string;
  until?: string;
  report?: string;
  json: boolean;
  pace: 'fast' | 'recorded';
  raw: boolean;
  quietMs: number;
  timeoutMs: number;
  ignoreHeaders: string[];
  ignoreJsonPaths: string[];
  headers: string[];
  user?: string;
  password?: string;
  allowRemote: boolean;
}

export async function runReplay(f: ReplayFlags): Promise<number> {
  const target = await resolveChecked(parseHostPort(f.target, 'target'), 'target', f.allowRemote);
  const headers = f.headers.map((h): [string, string] => {
    const i = h.indexOf(':');
    if (i <= 0) throw usageError('BAD_HEADER', `--header "${h}" is not "Name: value"`);
    return [h.slice(0, i).trim(), h.slice(i + 1).trim()];
  });
  const settings: ReplaySettings = {
    host: target.host,
    port: target.port,
    pace: f.pace,
    quietMs: f.quietMs,
    timeoutMs: f.timeoutMs,
    ignoreHeaders: f.ignoreHeaders,
    ignoreJsonPaths: f.ignoreJsonPaths,
    headers,
    user: f.user,
    passwords: {
      postgres: f.password ?? process.env.PGPASSWORD,
      redis: f.password ?? process.env.REDISCLI_AUTH,
      mysql: f.password ?? process.env.MYSQL_PWD,
    },
  };
  const { plans, skipped } = await prepare(f, settings);
  const out = (line: string): void => void process.stdout.write(line + '\n');
  for (const s of skipped) if (!f.json) out(`conn ${s.conn} skipped: ${s.why}`);
  const all: Comparison[] = [];
  await runPlans(plans, settings, (c) => {
    all.push(c);
    if (f.json) out(jsonLine(c));
    else for (const l of humanLines(c)) out(l);
  });
  const summary = summarize(all, plans.length, skipped);
  if (f.json) out(JSON.stringify({ type: 'summary', ...summary }));
  else out(summaryLine(summary));
  if (f.report) writeReport(f.report, f.file, formatHostPort(target), summary, all);
  return summary.different > 0 ? 1 : 0;
}
