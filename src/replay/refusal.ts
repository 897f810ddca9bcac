// The safety net inside a plan's run(): a request that carries a redacted value (Plan.redacted,
// CONTRACT.md) is never sent, even by a caller that skipped the refusal before connecting
// (cli/commands/replay.ts lists them and exits 2 first).

import type { RedactedRequest } from './types.js';
import { usageError, type LooptapError } from '../util/errors.js';

export function refusal(list: RedactedRequest[]): LooptapError {
  const shown = list
    .slice(0, 5)
    .map((r) => `conn ${r.conn} #${r.index} ${r.request}: ${r.hint}`)
    .join('; ');
  const more = list.length > 5 ? `; and ${list.length - 5} more` : '';
  return usageError(
    'REDACTED_REQUEST',
    `replay refuses to send ${list.length} request${list.length === 1 ? '' : 's'} the capture redacted (${shown}${more}); nothing was sent`,
  );
}
