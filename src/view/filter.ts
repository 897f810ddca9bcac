// Which events `looptap view` shows (docs/long-runs.md): --route, --conn, --protocol, --from and
// --grep narrow a long capture down. Filters combine with AND. Connection ids repeat across
// routes, so a connection is known by route and id together.

import type { CaptureEvent, From } from '../events.js';

export interface ViewFilter {
  routes?: Set<string>;
  conns?: Set<number>;
  protocol?: string;
  from?: From;
  /** lower case */
  grep?: string;
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
    if (e.type === 'message') {
      if (e.protocol !== f.protocol) return false;
      f.protoConns.add(key);
    } else if (conn === undefined || !f.protoConns.has(key) || e.type === 'data') return false;
  }
  if (f.grep !== undefined) return e.type === 'message' && matches(e.fields, f.grep);
  return true;
}

function matches(fields: Record<string, unknown>, needle: string): boolean {
  for (const k of ['summary', 'sql', 'url', 'command']) {
    const v = fields[k];
    const text = Array.isArray(v) ? v.map(String).join(' ') : typeof v === 'string' ? v : '';
    if (text.toLowerCase().includes(needle)) return true;
  }
  return false;
}
