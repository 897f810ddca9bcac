// Observation on demand: the relay forwards every chunk at once, as always, but what it would
// observe (decode, build events, emit) waits in a queue until someone reads the result. This is
// for the test-suite API, whose only reader is a ConversationLog that is read between tests: a
// suite's round trips then carry only the forwarding, and the decoding runs in one batch when the
// test asks, with the decoders' code and data warm in the caches instead of cold between every
// chunk (docs/benchmarks.md, "Test-suite API").
//
// The queue keeps the order of every call (events and chunks of every connection), so the events
// come out exactly as they would have live, with the times they were taken at. It is bounded: past
// MAX_BYTES of held chunks or MAX_CALLS calls it runs right away, and it stops deferring for good
// as soon as the hub has another consumer (a sink, a listener), which must see events live.

import type { CaptureEvent, From } from '../events.js';
import type { Observing } from './observer.js';

const MAX_BYTES = 4 * 1024 * 1024;
const MAX_CALLS = 8192;

type Call =
  | { kind: 'emit'; event: CaptureEvent }
  | { kind: 'data'; o: Observing; from: From; chunk: Buffer; time: number; injected?: string }
  | { kind: 'end'; o: Observing; from: From; time: number }
  | { kind: 'close'; o: Observing };

export class ObservationQueue {
  private calls: Call[] = [];
  private bytes = 0;
  private running = false;

  constructor(
    private readonly emitNow: (e: CaptureEvent) => void,
    /** true once events must flow live (another consumer joined the hub) */
    private readonly live: () => boolean,
  ) {}

  emit(event: CaptureEvent): void {
    this.push({ kind: 'emit', event }, 0);
  }

  /** the observer a Connection is given: same calls, queued */
  observer(o: Observing): Observing {
    return {
      data: (from, chunk, time, injected) =>
        this.push({ kind: 'data', o, from, chunk, time, injected }, chunk.length),
      end: (from, time) => this.push({ kind: 'end', o, from, time }, 0),
      close: () => this.push({ kind: 'close', o }, 0),
    };
  }

  /** run everything held, in order; what a read of the log calls first */
  flush(): void {
    // a listener that reads the log while a flush emits must not start a second one
    if (this.running) return;
    this.running = true;
    let failed: { err: unknown } | undefined;
    // calls queued while flushing (a listener's socket write) run in this same loop
    for (let i = 0; i < this.calls.length; i++) {
      try {
        this.run(this.calls[i]!);
      } catch (err) {
        // live, this throw would have left a socket handler; here it reaches the reader, after
        // the rest has run, so that one bad call loses no other event
        failed ??= { err };
      }
    }
    this.calls = [];
    this.bytes = 0;
    this.running = false;
    if (failed) throw failed.err;
  }

  private push(call: Call, bytes: number): void {
    if (!this.running && this.live()) {
      this.flush();
      this.run(call);
      return;
    }
    this.calls.push(call);
    this.bytes += bytes;
    if (this.bytes > MAX_BYTES || this.calls.length > MAX_CALLS) this.flush();
  }

  private run(c: Call): void {
    switch (c.kind) {
      case 'emit':
        return this.emitNow(c.event);
      case 'data':
        return c.o.data(c.from, c.chunk, c.time, c.injected);
      case 'end':
        return c.o.end(c.from, c.time);
      case 'close':
        return c.o.close();
    }
  }
}
