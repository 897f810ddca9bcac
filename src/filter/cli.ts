// How the commands turn --filter EXPR into a Filter: a bad expression is a usage error (exit 2)
// whose message is the reason, then the expression with a caret under the column.

import { LooptapError } from '../util/errors.js';
import { FilterError, MATCH_ALL, parseFilter, type Filter } from './index.js';

export function filterFlag(expr: string | undefined, flag = '--filter'): Filter {
  if (expr === undefined) return MATCH_ALL;
  try {
    return parseFilter(expr);
  } catch (err) {
    if (!(err instanceof FilterError)) throw err;
    throw new LooptapError('BAD_FILTER', filterErrorText(err, flag), 2);
  }
}

/** `bad --filter at column 9: ...; see docs/filter.md`, the expression, and a caret under it */
export function filterErrorText(err: FilterError, flag = '--filter'): string {
  // the expression is shown on one line: line breaks and tabs in it become spaces
  const shown = err.expression.replace(/[\r\n\t]/g, ' ');
  const caret = ' '.repeat(Math.max(0, err.column - 1)) + '^';
  return `bad ${flag} at column ${err.column}: ${err.reason} (see docs/filter.md)\n  ${shown}\n  ${caret}`;
}
