// What every decoder puts in place of a secret, and how every decoder flattens text into the one
// line a frame or exchange summary gets: one spelling and one cut across protocols, so that the
// view, the filters and the tests see the same shapes whatever the protocol.

export const REDACTED = '[redacted]';

/** whitespace other than one inner space: most SQL texts, values and column lists have none,
 * and testing for it costs a quarter of the replace and trim that would change nothing */
const LOOSE_SPACE = /[^\S ]| {2}|^ | $/;

/** whitespace runs collapsed, trimmed, at most `max` characters (the ellipsis included) */
export function oneLine(s: string, max = 200): string {
  return cut(LOOSE_SPACE.test(s) ? s.replace(/\s+/g, ' ').trim() : s, max);
}

/** at most `max` characters, the ellipsis included */
export function cut(s: string, max: number): string {
  // join copies: a plain slice would keep the whole (long) string alive behind it
  return s.length > max ? [s.slice(0, max - 1), '…'].join('') : s;
}
