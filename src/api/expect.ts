// Assertions for test suites: a query budget for a block of code, no N+1, no error, nothing
// slower than a bound. They throw node's AssertionError, which tap, node:test, Jest and Vitest
// all report as a failure, and their messages list the offending exchanges with their SQL so the
// failure says what to fix.
//
// Why no wait: the relay forwards a server chunk and decodes it in the same callback, before the
// client can read it, so every exchange a client has received an answer to is already in the log
// when the client's await returns (docs/test-api.md, "Waiting").

import { AssertionError } from 'node:assert';
import type { ExchangeEvent } from '../events.js';
import type { ConversationLog, FilterInput } from './conversation-log.js';
import { digestOf, toFilter } from './conversation-log.js';
import { cut } from '../decoders/summary-text.js';
import { nonNegative, show, wholeNumber } from './arguments.js';

export interface QueryBudget {
  /** at most this many exchanges */
  max?: number;
  /** at least this many */
  min?: number;
  /** only exchanges matching this (filter language); default all */
  filter?: FilterInput;
}

const LISTED = 20;

/** one line per exchange: `#3 pg select ... -> SELECT 1 (0.4 ms)` */
export function describeExchange(x: ExchangeEvent): string {
  const answer = x.response ? ` -> ${x.response.text}` : x.incomplete ? ' -> (no answer)' : '';
  const ms = x.latencyMs !== undefined ? ` (${x.latencyMs} ms)` : '';
  const text = cut(x.request.text, 300);
  return `#${x.conn} ${x.protocol} ${text}${answer}${ms}`;
}

function list(xs: ExchangeEvent[]): string {
  const shown = xs.slice(0, LISTED).map((x) => '  ' + describeExchange(x));
  if (xs.length > LISTED) shown.push(`  ... and ${xs.length - LISTED} more`);
  return shown.join('\n');
}

/** Runs `fn` and returns its result, or the exchanges of `log` since the call when no fn. */
async function during<T>(
  log: ConversationLog,
  fn: (() => Promise<T> | T) | undefined,
  filter: FilterInput,
): Promise<{ result: T | undefined; seen: ExchangeEvent[] }> {
  const f = toFilter(filter);
  if (!fn) {
    const all = log.exchanges();
    return { result: undefined, seen: f ? all.filter((x) => f.match(x)) : all };
  }
  const before = log.lastId;
  const result = await fn();
  const seen = log.since(before);
  return { result, seen: f ? seen.filter((x) => f.match(x)) : seen };
}

export async function expectQueries<T>(
  log: ConversationLog,
  fn: () => Promise<T> | T,
  budget: QueryBudget,
): Promise<T> {
  if (typeof budget !== 'object' || budget === null || (budget.max ?? budget.min) === undefined) {
    throw new TypeError(
      `expectQueries: the budget ${show(budget)} sets neither max nor min: give e.g. { max: 3 }`,
    );
  }
  if (budget.max !== undefined) wholeNumber('expectQueries', 'max', budget.max);
  if (budget.min !== undefined) wholeNumber('expectQueries', 'min', budget.min);
  const { result, seen } = await during(log, fn, budget.filter);
  const n = seen.length;
  if (budget.max !== undefined && n > budget.max) {
    throw new AssertionError({
      message: `expected at most ${budget.max} queries, saw ${n}:\n${list(seen)}`,
      actual: n,
      expected: budget.max,
      operator: '<=',
    });
  }
  if (budget.min !== undefined && n < budget.min) {
    throw new AssertionError({
      message: `expected at least ${budget.min} queries, saw ${n}${n ? ':\n' + list(seen) : ''}`,
      actual: n,
      expected: budget.min,
      operator: '>=',
    });
  }
  return result as T;
}

export interface NPlusOneExpectation {
  /** how many of the same statement in a row count as N+1 (default: the digest's, 5) */
  threshold?: number;
  filter?: FilterInput;
}

export async function expectNoNPlusOne<T>(
  log: ConversationLog,
  fn?: () => Promise<T> | T,
  options: NPlusOneExpectation = {},
): Promise<T | undefined> {
  if (options.threshold !== undefined) {
    wholeNumber('expectNoNPlusOne', 'threshold', options.threshold, 2);
  }
  const { result, seen } = await during(log, fn, options.filter);
  const findings = digestOf(seen).findings(
    options.threshold !== undefined ? { threshold: options.threshold } : undefined,
  );
  if (findings.length > 0) {
    const lines = findings.map(
      (f) =>
        `  N+1: ${f.count} x ${f.fingerprint} on #${f.conn} (exchanges ${f.firstId}..${f.lastId})`,
    );
    throw new AssertionError({
      message: `expected no N+1 queries, found ${findings.length}:\n${lines.join('\n')}`,
      actual: findings,
      expected: [],
      operator: 'noNPlusOne',
    });
  }
  return result;
}

export async function expectNoErrors<T>(
  log: ConversationLog,
  fn?: () => Promise<T> | T,
  options: { filter?: FilterInput } = {},
): Promise<T | undefined> {
  const { result, seen } = await during(log, fn, options.filter);
  const bad = seen.filter((x) => x.response?.error);
  if (bad.length > 0) {
    const lines = bad.map((x) => `  ${describeExchange(x)} [${x.response!.error!.code}]`);
    throw new AssertionError({
      message: `expected no errors, ${bad.length} exchange(s) failed:\n${lines.join('\n')}`,
      actual: bad.length,
      expected: 0,
      operator: '==',
    });
  }
  return result;
}

export async function expectNoSlowerThan<T>(
  log: ConversationLog,
  ms: number,
  fn?: () => Promise<T> | T,
  options: { filter?: FilterInput } = {},
): Promise<T | undefined> {
  nonNegative('expectNoSlowerThan', 'ms', ms);
  const { result, seen } = await during(log, fn, options.filter);
  const slow = seen.filter((x) => (x.latencyMs ?? 0) > ms);
  if (slow.length > 0) {
    throw new AssertionError({
      message: `expected every query to take at most ${ms} ms, ${slow.length} took longer:\n${list(slow)}`,
      actual: Math.max(...slow.map((x) => x.latencyMs ?? 0)),
      expected: ms,
      operator: '<=',
    });
  }
  return result;
}
