// --transport TARGET: every event (the capture's objects, redacted as the capture is) goes to a
// pino transport running in pino's worker thread, so that captures ship to Loki, Elasticsearch
// or OpenTelemetry through the packages made for it (docs/logging.md). The lines are the
// capture's own hand-built JSON (line-format.ts), written straight into the transport's stream:
// no second serialisation through a logger. A transport that cannot keep up slows the relay,
// like the capture does; one that fails stops receiving, says so once, and the run exits 1.

import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import type { EventEmitter } from 'node:events';
import type { CaptureEvent } from '../events.js';
import type { Sink } from '../capture/hub.js';
import { toLine } from '../capture/line-format.js';
import { usageError } from '../util/errors.js';
import type { Log } from './log.js';

export interface TransportSpec {
  target: string;
  options: Record<string, unknown>;
}

const require = createRequire(import.meta.url);

/** what looptap uses of pino's ThreadStream */
type WorkerStream = EventEmitter & { write(b: Buffer): boolean; end(): void; destroyed?: boolean };

/** a module name from the user's project, then from looptap's own dependencies, or a path */
export function resolveTarget(target: string): string {
  // pino resolves its own built-in targets (pino/file, pino-pretty's) from its package
  if (target.startsWith('pino/')) return target;
  if (target.startsWith('.') || path.isAbsolute(target) || target.startsWith('file:')) {
    const file = target.startsWith('file:') ? new URL(target).pathname : path.resolve(target);
    if (fs.existsSync(file)) return file;
    throw usageError('BAD_TRANSPORT', `--transport ${target}: no such file; check the path`);
  }
  for (const from of [path.join(process.cwd(), 'noop.js'), import.meta.url]) {
    try {
      return createRequire(from).resolve(target);
    } catch {
      /* next place */
    }
  }
  throw usageError(
    'BAD_TRANSPORT',
    `--transport ${target}: no such module here; install it in your project (npm install ${target}) or give a path to one`,
  );
}

export class TransportSink implements Sink {
  readonly name: string;
  private dead = false;
  private closed?: Promise<void>;

  private constructor(
    private readonly stream: WorkerStream,
    private readonly target: string,
    private readonly log: Log,
  ) {
    this.name = `transport ${target}`;
    stream.on('error', (err: Error) => {
      if (this.dead) return;
      this.dead = true;
      log.error(`--transport ${target} failed and receives no more events: ${err.message}`, {
        code: 'TRANSPORT_FAILED',
      });
    });
  }

  /** starts the worker and waits until the target has built its stream (or failed to) */
  static async open(spec: TransportSpec, log: Log): Promise<TransportSink> {
    const resolved = resolveTarget(spec.target);
    const pino = require('pino') as typeof import('pino').default;
    const stream = pino.transport({
      target: resolved,
      options: spec.options,
    }) as unknown as WorkerStream;
    await new Promise<void>((resolve, reject) => {
      stream.once('ready', resolve);
      stream.once('error', (err: Error) =>
        reject(
          usageError(
            'BAD_TRANSPORT',
            `--transport ${spec.target} did not start: ${err.message}; check its --transport-option values`,
          ),
        ),
      );
    });
    return new TransportSink(stream, spec.target, log);
  }

  /** the sink stopped taking events (its target failed) */
  get failed(): boolean {
    return this.dead;
  }

  write(e: CaptureEvent): boolean {
    // the header describes a capture file, not a run
    if (this.dead || e.type === 'header') return true;
    return this.stream.write(toLine(e));
  }

  onDrain(fn: () => void): void {
    this.stream.on('drain', fn);
  }

  /** resolves once the worker has written everything and exited */
  close(): Promise<void> {
    this.closed ??= new Promise<void>((resolve) => {
      if (this.stream.destroyed) return resolve();
      this.stream.once('close', () => resolve());
      this.stream.end();
    });
    return this.closed;
  }
}
