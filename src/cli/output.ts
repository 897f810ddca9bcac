// Turns the output flags into sinks: the live view or JSON lines on stdout (every command that
// runs a proxy), and for `demo` and `serve` the capture file (`tcp` and `http` open theirs
// through the run path, src/run/). Every command's capture is the same RotatingCaptureFile, so
// the format, the refusals and the summary's figures are one implementation; demo and serve
// give it no --capture-max-size, so theirs never rotates. Only the CLI touches process.stdout.

import type { Sink } from '../capture/hub.js';
import { RotatingCaptureFile } from '../capture/rotating-file.js';
import { StreamSink } from '../view/stream-sink.js';
import type { Filter } from '../filter/index.js';
import { PROTOCOLS } from '../decoders/registry.js';

export interface OutputFlags {
  capture?: string;
  /** capture format 1 or 2 (--capture-format) */
  captureFormat?: 1 | 2;
  /** --overwrite: the capture may replace a non-empty file */
  overwrite?: boolean;
  json?: boolean;
  quiet?: boolean;
  preview?: number;
  showData?: boolean;
  /** --filter, parsed (a bad one already stopped the command) */
  filter?: Filter;
  rows?: number;
  frames?: boolean;
}

export interface Outputs {
  sinks: Sink[];
  capture?: RotatingCaptureFile;
}

export async function openOutputs(
  flags: OutputFlags,
  onCaptureError: (msg: string) => void,
): Promise<Outputs> {
  const sinks: Sink[] = [];
  let capture: RotatingCaptureFile | undefined;
  if (flags.capture) {
    capture = await RotatingCaptureFile.open(flags.capture, {
      overwrite: flags.overwrite,
      format: flags.captureFormat,
    });
    capture.onError((err) => onCaptureError(err.message));
    sinks.push(capture);
  }
  sinks.push(viewSink(flags));
  return { sinks, capture };
}

/** the live view, the JSON lines or --quiet's announcement, on stdout */
export function viewSink(flags: OutputFlags): Sink {
  const mode = flags.json ? 'json' : flags.quiet ? 'quiet' : 'human';
  // a closed pipe (looptap ... | head) must not kill the relay
  process.stdout.on('error', () => undefined);
  return new StreamSink(
    process.stdout,
    mode,
    {
      color: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR,
      preview: flags.preview ?? 64,
      showData: flags.showData ?? false,
      width: Math.max(40, (process.stdout.columns ?? 160) - 30),
      filter: flags.filter,
      rows: flags.rows,
      frames: flags.frames,
      // live, the decoders are this version's, and all of them build exchanges
      exchangeProtocols: PROTOCOLS,
    },
    {
      // a screenful of exchange lines per throttle window (docs/exchanges.md, "Under load")
      budget: Math.max(10, (process.stdout.rows ?? 51) - 1),
    },
  );
}
