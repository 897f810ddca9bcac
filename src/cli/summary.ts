// The line printed on exit: what passed through, per protocol, and anything lost.

import type { CaptureEvent } from '../events.js';
import type { Sink } from '../capture/hub.js';
import type { CaptureFile } from '../capture/capture-file.js';

export class Tally implements Sink {
  readonly name = 'summary';
  connections = 0;
  bytes = { client: 0, server: 0 };
  messages = new Map<string, number>();
  errors = 0;

  write(e: CaptureEvent): boolean {
    if (e.type === 'open') this.connections++;
    else if (e.type === 'close') {
      this.bytes.client += e.bytes.client;
      this.bytes.server += e.bytes.server;
    } else if (e.type === 'message')
      this.messages.set(e.protocol, (this.messages.get(e.protocol) ?? 0) + 1);
    else if (e.type === 'error') this.errors++;
    return true;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

export function summaryLine(t: Tally, capture?: CaptureFile): string {
  const parts = [
    `${t.connections} connection${t.connections === 1 ? '' : 's'}`,
    `client sent ${size(t.bytes.client)}, server sent ${size(t.bytes.server)}`,
  ];
  if (t.messages.size) {
    parts.push([...t.messages].map(([p, n]) => `${n} ${p} messages`).join(', '));
  }
  if (t.errors) parts.push(`${t.errors} errors`);
  if (capture) parts.push(`capture ${capture.path} (${size(capture.written)})`);
  return `looptap: stopped: ${parts.join('; ')}`;
}

export function size(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}
