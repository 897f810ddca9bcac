// Fan-out of events to sinks (live view, capture file, memory, future web UI). The relay calls
// emit(); each sink's write() may return false to ask for backpressure, and the hub tells the
// relay to pause reading sockets until every such sink has drained. This is how a capture that
// cannot keep up slows the relay instead of filling memory (docs/architecture.md, "Backpressure").
// A sink that throws is dropped after one error line: a broken sink never breaks forwarding.

import type { CaptureEvent, ProtocolName } from '../events.js';
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
  /** false: this sink has no use for `message` events (frames) of that protocol now, so they need
   * not be built for it; absent: it takes every frame. Asked once per decoded chunk. */
  takesFrames?(protocol: ProtocolName): boolean;
  /** `n` frames of `protocol` were decoded but not built, because no sink or listener takes
   * them (the summary still counts them) */
  framesSkipped?(protocol: ProtocolName, n: number): void;
}

export type HubListener = (event: CaptureEvent) => void;

export interface ListenerOptions {
  /** false: the listener has no use for `message` events, and they are not built for it */
  frames?: boolean;
}

/** What an Observer asks before it builds the `message` events of a decoded chunk: frames cost
 * 15-30% of decoding in-process (docs/benchmarks.md), and most consumers (the exchange view, the
 * test-suite API, top) read exchanges only. */
export interface FrameDemand {
  wantsFrames(protocol: ProtocolName): boolean;
  framesSkipped(protocol: ProtocolName, n: number): void;
}

/** every frame is built: an Observer without a hub (tests, benchmarks) */
export const ALL_FRAMES: FrameDemand = {
  wantsFrames: () => true,
  framesSkipped: () => undefined,
};

export class Hub implements FrameDemand {
  private sinks: Sink[] = [];
  /** each listener, and whether it takes frames */
  private listeners = new Map<HubListener, boolean>();
  /** how many listeners take frames */
  private frameListeners = 0;
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

  /** in-process subscribers (API users, tests); they get every event synchronously. With
   * `frames: false`, message events are built only when another sink or listener takes them. */
  on(fn: HubListener, options: ListenerOptions = {}): () => void {
    this.listeners.set(fn, options.frames !== false);
    this.countFrameListeners();
    return () => this.removeListener(fn);
  }

  private removeListener(fn: HubListener): void {
    if (this.listeners.delete(fn)) this.countFrameListeners();
  }

  private countFrameListeners(): void {
    let n = 0;
    for (const frames of this.listeners.values()) if (frames) n++;
    this.frameListeners = n;
  }

  /** asked from socket handlers: a sink that throws here takes frames, and never breaks them */
  wantsFrames(protocol: ProtocolName): boolean {
    if (this.frameListeners > 0) return true;
    const sinks = this.sinks;
    for (let i = 0; i < sinks.length; i++) {
      const s = sinks[i]!;
      if (s.takesFrames === undefined) return true;
      try {
        if (s.takesFrames(protocol)) return true;
      } catch {
        return true;
      }
    }
    return false;
  }

  framesSkipped(protocol: ProtocolName, n: number): void {
    const sinks = this.sinks;
    for (let i = 0; i < sinks.length; i++) {
      try {
        sinks[i]!.framesSkipped?.(protocol, n);
      } catch {
        /* a count lost, never the connection */
      }
    }
  }

  /** the relay registers here to be told when to stop and restart reading sockets */
  onPause(fn: (paused: boolean) => void): () => void {
    this.pauseFns.add(fn);
    return () => this.pauseFns.delete(fn);
  }

  /** sinks and listeners: who would see an event now */
  get consumers(): number {
    return this.sinks.length + this.listeners.size;
  }

  get paused(): boolean {
    return this.blocked.size > 0;
  }

  emit(event: CaptureEvent): void {
    if (this.closed) return;
    // the sinks below share one line per event; an object emitted again may have changed
    forgetLine();
    if (this.listeners.size > 0) {
      for (const fn of this.listeners.keys()) {
        try {
          fn(event);
        } catch (err) {
          this.removeListener(fn);
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
