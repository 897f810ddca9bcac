// What a test suite passes to the programs API, checked where it comes in: a wrong type or a
// number that means nothing (NaN, -1) is a TypeError that names the call, the argument and what
// to give, instead of `f.match is not a function` from deep inside, or an assertion that passes
// because `latency > NaN` is never true.

export function wholeNumber(call: string, name: string, v: unknown, min = 0): number {
  if (typeof v === 'number' && Number.isInteger(v) && v >= min) return v;
  throw new TypeError(`${call}: ${name} ${show(v)} is not a whole number of ${min} or more`);
}

export function nonNegative(call: string, name: string, v: unknown): number {
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return v;
  throw new TypeError(`${call}: ${name} ${show(v)} is not a number of 0 or more`);
}

export function oneOf<T extends string>(
  call: string,
  name: string,
  v: unknown,
  of: readonly T[],
): T {
  if (typeof v === 'string' && (of as readonly string[]).includes(v)) return v as T;
  throw new TypeError(`${call}: ${name} ${show(v)} is not one of ${of.join(', ')}`);
}

export function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'function') return 'a function';
  if (v === null || typeof v !== 'object') return String(v);
  return Array.isArray(v) ? 'an array' : 'an object';
}
