// Turns the output flags shared by `tcp` and `http` into sinks: the live view or JSON lines on
// stdout, and the capture file. Only the CLI touches process.stdout and process.stderr.

import type { Sink } from '../capture/hub.js';
import { openCaptureFile, type CaptureFile } from '../capture/capture-file.js';
import { StreamSink } from '../view/stream-sink.js';

export interface OutputFlags {
  capture?: string;
  json?: boolean;
  quiet?: boolean;
  preview?: number;
  showData?: boolean;
}

export interface Outputs {
  sinks: Sink[];
  capture?: CaptureFile;
}

export async function openOutputs(
  flags: OutputFlags,
  onCaptureError: (msg: string) => void,
): Promise<Outputs> {
  const sinks: Sink[] = [];
  let capture: CaptureFile | undefined;
  if (flags.capture) {
    capture = await openCaptureFile(flags.capture);
    capture.onError((err) => onCaptureError(err.message));
    sinks.push(capture);
  }
  const mode = flags.json ? 'json' : flags.quiet ? 'quiet' : 'human';
  // a closed pipe (looptap ... | head) must not kill the relay
  process.stdout.on('error', () => undefined);
  sinks.push(
    new StreamSink(process.stdout, mode, {
      color: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR,
      preview: flags.preview ?? 64,
      showData: flags.showData ?? false,
      width: Math.max(40, (process.stdout.columns ?? 160) - 30),
    }),
  );
  return { sinks, capture };
}
