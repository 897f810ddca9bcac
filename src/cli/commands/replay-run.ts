// `looptap replay FILE --target PORT`: validate the whole selection, then resend it and print
// the differences. Exit 0 all same, 1 something differed, 2 the capture or flags are unusable.

import { ensureWork, prepare, runPlans } from '../../replay/run.js';
import type { Comparison, RedactedRequest, ReplaySettings } from '../../replay/types.js';
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
  filter?: string;
  /** NAME=VALUE, each */
  secrets?: string[];
  skipRedacted?: boolean;
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
    secrets: parseSecrets(f.secrets ?? []),
    skipRedacted: f.skipRedacted === true,
  };
  const prepared = await prepare(f, settings);
  const { plans, skipped, refused, leftOut } = prepared;
  const out = (line: string): void => void process.stdout.write(line + '\n');
  if (refused.length) refuse(refused, f.json);
  ensureWork(prepared, f.file);
  for (const s of skipped) if (!f.json) out(`conn ${s.conn} skipped: ${s.why}`);
  for (const r of leftOut) {
    if (f.json) out(JSON.stringify({ type: 'left-out', ...r, hint: undefined }));
    else out(`conn ${r.conn} #${r.index} left out (--skip-redacted): ${r.request}`);
  }
  const all: Comparison[] = [];
  await runPlans(plans, settings, (c) => {
    all.push(c);
    if (f.json) out(jsonLine(c));
    else for (const l of humanLines(c)) out(l);
  });
  const summary = summarize(all, plans.length, skipped, leftOut.length);
  if (f.json) out(JSON.stringify({ type: 'summary', ...summary }));
  else out(summaryLine(summary));
  if (f.report) writeReport(f.report, f.file, formatHostPort(target), summary, all);
  if (all.length === 0) {
    throw usageError(
      'NOTHING_REPLAYED',
      `replayed no request from ${f.file}: the selected connections held nothing the target could be asked; nothing was compared`,
    );
  }
  return summary.different > 0 ? 1 : 0;
}

/** --secret NAME=VALUE, each; the value may hold '=' */
function parseSecrets(list: string[]): Record<string, string> {
  const secrets: Record<string, string> = {};
  for (const item of list) {
    const i = item.indexOf('=');
    if (i <= 0) {
      throw usageError(
        'BAD_SECRET',
        `--secret "${item.slice(0, 40)}" is not NAME=VALUE: give e.g. --secret redis.requirepass=VALUE (names in docs/replay.md)`,
      );
    }
    secrets[item.slice(0, i).trim()] = item.slice(i + 1);
  }
  return secrets;
}

/** lists every request that would carry a mask, then stops with exit 2: nothing was sent */
function refuse(refused: RedactedRequest[], json: boolean): never {
  for (const r of refused) {
    if (json) process.stdout.write(JSON.stringify({ type: 'redacted', ...r }) + '\n');
    else process.stderr.write(`conn ${r.conn} #${r.index} ${r.request}: redacted; ${r.hint}\n`);
  }
  const n = refused.length;
  throw usageError(
    'REDACTED_REQUEST',
    `${n} request${n === 1 ? ' carries' : 's carry'} a value the capture redacted, and replay never sends a mask: supply ${n === 1 ? 'it' : 'each'} as its line above says or leave ${n === 1 ? 'it' : 'them'} out with --skip-redacted; nothing was sent`,
  );
}
