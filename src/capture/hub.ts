// Fan-out of events to sinks (live view, capture file, memory, future web UI). The relay calls
// emit(); each sink's write() may return false to ask for backpressure, and the hub tells the
// relay to pause reading sockets until every such sink has drained. This is how a capture that
// cannot keep up slows the relay instead of filling memory (docs/architecture.md, "Backpressure").
// A sink that throws is dropped after one error line: a broken sink never breaks forwarding.

import type { CaptureEvent } from '../events.js';
import { LEVEL } from '../events.js';
import { forgetLine } from './line-memo.js';

export interface Sink {
  /** false: stop feeding me soon; emit 'drain' through onDrain when ready again */
  write(event: CaptureEvent): boolean;
  /** called once by the hub; a sink that can ask for backpressure calls it when drained */
  onDrain?(fn: () => void): void;
  /** flush and release; resolves when everything written is durable */
  close(): Promise<void>;
  /** a short name for error lines */
  readonly name: string;
}

export type HubListener = (event: CaptureEvent) => void;

export class Hub {
  private sinks: Sink[] = [];
  private listeners = new Set<HubListener>();
  private blocked = new Set<Sink>();
  private pauseFns = new Set<(paused: boolean) => void>();
  private closed = false;

  constructor(sinks: Sink[] = []) {
    for (const s of sinks) this.add(s);
  }

  add(sink: Sink): void {
    this.sinks.push(sink);
    sink.onDrain?.(() => {
      if (this.blocked.delete(sink) && this.blocked.size === 0) this.setPaused(false);
    });
  }

  /** in-process subscribers (API users, tests); they get every event synchronously */
  on(fn: HubListener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** the relay registers here to be told when to stop and restart reading sockets */
  onPause(fn: (paused: boolean) => void): () => void {
    this.pauseFns.add(fn);
    return () => this.pauseFns.delete(fn);
  }

  get paused(): boolean {
    return this.blocked.size > 0;
  }

  emit(event: CaptureEvent): void {
    if (this.closed) return;
    // the sinks below share one line per event; an object emitted again may have changed
    forgetLine();
    if (this.listeners.size > 0) {
      for (const fn of this.listeners) {
        try {
          fn(event);
        } catch (err) {
          this.listeners.delete(fn);
          this.internalError(`an event listener threw and was removed: ${describe(err)}`);
        }
      }
    }
    const sinks = this.sinks;
    for (let i = 0; i < sinks.length; i++) {
      const sink = sinks[i]!;
      let ok: boolean;
      try {
        ok = sink.write(event);
      } catch (err) {
        this.remove(sink);
        this.internalError(`the ${sink.name} failed and was stopped: ${describe(err)}`);
        continue;
      }
      if (!ok && !this.blocked.has(sink)) {
        const was = this.blocked.size;
        this.blocked.add(sink);
        if (was === 0) this.setPaused(true);
      }
    }
  }

  /** removes a sink (it failed, or the user closed it); releases its backpressure */
  remove(sink: Sink): void {
    this.sinks = this.sinks.filter((s) => s !== sink);
    if (this.blocked.delete(sink) && this.blocked.size === 0) this.setPaused(false);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const sinks = this.sinks;
    this.sinks = [];
    this.blocked.clear();
    this.setPaused(false);
    await Promise.allSettled(sinks.map((s) => s.close()));
  }

  private setPaused(paused: boolean): void {
    for (const fn of this.pauseFns) fn(paused);
  }

  private internalError(message: string): void {
    // straight to the remaining sinks; never recursive into the failing one
    this.emit({
      type: 'error',
      time: Date.now(),
      level: LEVEL.error,
      msg: message,
      code: 'SINK_FAILED',
      message,
    });
  }
}

/** The emit function of one relay or HTTP proxy: stamps its route (several routes share one hub,
 * one view and one capture) on everything it emits. */
export function routeEmitter(hub: Hub, route: string | undefined): (e: CaptureEvent) => void {
  if (route === undefined) return (e) => hub.emit(e);
  return (e) => {
    e.route = route;
    hub.emit(e);
  };
}

export function describe(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    return code ? `${code}: ${err.message}` : err.message;
  }
  return String(err);
}
