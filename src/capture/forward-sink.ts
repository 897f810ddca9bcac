// Joins one route's hub to the process-wide hub. Each route needs a hub of its own because the
// hub stamps `route` on what it emits; the sinks (live view, capture, summary) exist once and sit
// on the shared hub. Backpressure crosses over: while the shared hub is paused this sink says
// "wait", so the route's relay pauses its sockets, and the shared hub's resume is our drain.

import type { CaptureEvent } from '../events.js';
import type { Hub, Sink } from './hub.js';

export class ForwardSink implements Sink {
  readonly name = 'route forwarder';
  private off?: () => void;

  constructor(private readonly to: Hub) {}

  write(e: CaptureEvent): boolean {
    this.to.emit(e);
    return !this.to.paused;
  }

  onDrain(fn: () => void): void {
    this.off = this.to.onPause((paused) => {
      if (!paused) fn();
    });
  }

  close(): Promise<void> {
    this.off?.();
    return Promise.resolve();
  }
}
