// Selecting whole connections with a filter (export --filter): a connection is selected when at
// least one of its exchanges matches. Connections are known by route and id together (ids repeat
// across routes).

import type { CaptureEvent } from '../events.js';
import type { Filter } from './index.js';

export const connKey = (e: { route?: string; conn?: number }): string =>
  `${e.route ?? ''}#${e.conn ?? ''}`;

/** the connections of `events` with a matching exchange, and how many exchanges there were */
export async function matchingConnections(
  events: AsyncIterable<CaptureEvent>,
  filter: Filter,
): Promise<{ keys: Set<string>; exchanges: number }> {
  const keys = new Set<string>();
  let exchanges = 0;
  for await (const e of events) {
    if (e.type !== 'exchange') continue;
    exchanges++;
    if (filter.match(e)) keys.add(connKey(e));
  }
  return { keys, exchanges };
}

/** the events of the selected connections, plus what is not about one connection */
export async function* onlyConnections(
  events: AsyncIterable<CaptureEvent>,
  keys: Set<string>,
): AsyncGenerator<CaptureEvent> {
  for await (const e of events) {
    const conn = (e as { conn?: number }).conn;
    if (conn === undefined || keys.has(connKey(e))) yield e;
  }
}
