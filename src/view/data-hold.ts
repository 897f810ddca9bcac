// `looptap view` of a capture: a connection's first chunk comes before the frames decoded from it
// (the Observer writes a chunk's data line, then its messages), and a capture line does not say
// which chunks a decoder read (live, data events carry their protocol in memory). Read back,
// every decoded connection's first chunk was shown as hex before its first frame. A connection's
// chunks are held until its first event of another kind: a frame or an exchange (decoded: they
// go after it, and the formatter hides them as it hides every chunk of a decoded connection), or
// anything else (shown raw, in order, as before). Bounded per connection; --follow does not hold
// (a connection that goes quiet would keep its lines back).

import type { CaptureEvent, DataEvent } from '../events.js';

/** past this many chunks or bytes, a connection's chunks are released undecided */
const MAX_EVENTS = 16;
const MAX_BYTES = 64 * 1024;

export class DataHold {
  private held = new Map<string, { events: DataEvent[]; bytes: number }>();
  /** connections whose first non-data event has come: their chunks pass at once */
  private decided = new Set<string>();

  /** the events to format now, in order */
  push(e: CaptureEvent): CaptureEvent[] {
    if (!('conn' in e) || e.conn === undefined) return [e];
    const key = `${e.route ?? ''}#${e.conn}`;
    if (e.type === 'open') return [e];
    if (e.type === 'data') {
      if (this.decided.has(key)) return [e];
      let h = this.held.get(key);
      if (!h) this.held.set(key, (h = { events: [], bytes: 0 }));
      h.events.push(e);
      h.bytes += e.len;
      if (h.events.length < MAX_EVENTS && h.bytes < MAX_BYTES) return [];
      this.decided.add(key);
      this.held.delete(key);
      return h.events;
    }
    const h = this.held.get(key);
    this.held.delete(key);
    if (e.type === 'close') this.decided.delete(key);
    else this.decided.add(key);
    if (!h) return [e];
    return e.type === 'message' || e.type === 'exchange' ? [e, ...h.events] : [...h.events, e];
  }

  /** what is still held, at the end of the capture */
  flush(): CaptureEvent[] {
    const out: CaptureEvent[] = [];
    for (const h of this.held.values()) out.push(...h.events);
    this.held.clear();
    return out;
  }
}
