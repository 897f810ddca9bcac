// Which events `looptap view` shows (docs/long-runs.md): --route, --conn, --protocol and --from
// narrow a long capture down (--grep is grep.ts, --filter the filter language). Filters combine
// with AND. Connection ids repeat across routes, so a connection is known by route and id
// together.

import type { CaptureEvent, From } from '../events.js';
import type { Filter } from '../filter/index.js';

export interface ViewFilter {
  routes?: Set<string>;
  conns?: Set<number>;
  protocol?: string;
  from?: From;
  /** connections (route#conn) that carried `protocol`; filled while reading */
  protoConns: Set<string>;
}

export function keepEvent(e: CaptureEvent, f: ViewFilter): boolean {
  if (e.type === 'header') return true;
  if (f.routes && (e.route === undefined || !f.routes.has(e.route))) return false;
  // the announcements say what the capture is about: kept unless their route is filtered out
  if (e.type === 'listening') return true;
  const conn = (e as { conn?: number }).conn;
  if (f.conns && (conn === undefined || !f.conns.has(conn))) return false;
  const from = (e as { from?: From }).from;
  if (f.from && from !== undefined && from !== f.from) return false;
  if (f.protocol) {
    const key = `${e.route ?? ''}#${conn ?? ''}`;
    if (e.type === 'message' || e.type === 'exchange') {
      if (e.protocol !== f.protocol) return false;
      f.protoConns.add(key);
    } else if (conn === undefined || !f.protoConns.has(key) || e.type === 'data') return false;
  }
  return true;
}

/** with --filter and --json: the matching exchanges, plus what says where and what went wrong */
export function jsonKept(e: CaptureEvent, f: Filter): boolean {
  if (e.type === 'exchange') return f.match(e);
  return e.type === 'listening' || e.type === 'error';
}
