// `looptap stats FILE`: the digest of the exchanges in a capture (docs/stats.md). A capture with
// no exchanges (written before looptap 0.2) or a filter that selects none is exit 2: a command
// that looked at nothing must not look like it checked something.

import { readCapture } from '../../capture/reader.js';
import { Digest, type StatsSort } from '../../digest/index.js';
import { fingerprintReady } from '../../digest/fingerprint.js';
import { filterFlag } from '../../filter/cli.js';
import { usageError } from '../../util/errors.js';
import { digestTable, findingLine } from '../../view/digest-table.js';

export interface StatsFlags {
  file: string;
  filter?: string;
  sort: StatsSort;
  json: boolean;
  findings: boolean;
  threshold: number;
}

export async function runStats(flags: StatsFlags): Promise<number> {
  if (!Number.isInteger(flags.threshold) || flags.threshold < 2) {
    throw usageError(
      'BAD_THRESHOLD',
      `--threshold ${flags.threshold} must be a whole number of 2 or more`,
    );
  }
  const filter = filterFlag(flags.filter);
  await fingerprintReady();
  const digest = new Digest({ threshold: flags.threshold });
  let seen = 0;
  // what the digest counts: executions, not the preparing of a statement (digest/index.ts), so
  // that this count is the exit summary's
  let executions = 0;
  for await (const e of readCapture(flags.file)) {
    if (e.type === 'exchange') {
      seen++;
      if (e.request.kind !== 'prepare' || e.response?.error) executions++;
      if (filter.match(e)) digest.add(e);
    } else if (e.type === 'close') digest.close(e.conn, e.route);
  }
  if (seen === 0) {
    throw usageError(
      'NO_EXCHANGES',
      `no exchanges in this capture (written before looptap 0.2?): ${flags.file} holds frames only; capture again with looptap 0.2 or later`,
    );
  }
  if (digest.exchanges === 0) {
    throw usageError(
      'NOTHING_SELECTED',
      `--filter ${JSON.stringify(flags.filter)} selected none of the ${executions} exchanges in ${flags.file}: loosen it (docs/filter.md)`,
    );
  }
  const out: string[] = [];
  if (flags.json) {
    out.push(JSON.stringify(flags.findings ? digest.findings() : digest.rows(flags.sort)));
  } else {
    const width = process.stdout.columns ?? 160;
    out.push(...digestTable(digest.rows(flags.sort), width));
    const findings = digest.findings();
    if (findings.length) out.push('', ...findings.slice(0, 50).map((f) => findingLine(f, width)));
    if (findings.length > 50)
      out.push(`… and ${findings.length - 50} more N+1 runs (--json --findings lists them all)`);
  }
  await new Promise<void>((resolve) =>
    process.stdout.write(out.join('\n') + '\n', () => resolve()),
  );
  return 0;
}
