// The one filter language (docs/filter.md): one grammar, one parser, one matcher, used by the live
// view, view, stats, top, and later replay, the UI, faults, the test API and MCP. The API below is
// what they all code against; keep it.

import type { ExchangeEvent } from '../events.js';
import { Parser } from './parser.js';

/** A bad expression: `column` is 1-based, pointing at where it went wrong. */
export class FilterError extends Error {
  constructor(
    readonly expression: string,
    readonly column: number,
    readonly reason: string,
  ) {
    super(`bad filter at column ${column}: ${reason}`);
    this.name = 'FilterError';
  }
}

/** What a filter is matched against: an exchange, or the request half of one before its answer
 * came (faults match requests; then response terms are false). Extra fields (route) come along. */
export type Matchable = Pick<ExchangeEvent, 'conn' | 'protocol' | 'request'> &
  Partial<Omit<ExchangeEvent, 'conn' | 'protocol' | 'request'>>;

export interface Filter {
  readonly source: string;
  match(x: Matchable): boolean;
  /** the terms it uses, with their columns (absent: none known) */
  readonly terms?: ReadonlyArray<{ name: string; column: number }>;
}

/** Parses an expression; '' (or only spaces) matches everything. Throws FilterError. */
export function parseFilter(source: string): Filter {
  const parser = new Parser(source, (column, reason) => new FilterError(source, column, reason));
  const test = parser.run();
  return { source, match: test, terms: parser.terms };
}

/** The filter that matches everything (what an absent --filter means). */
export const MATCH_ALL: Filter = Object.freeze({ source: '', match: () => true });
