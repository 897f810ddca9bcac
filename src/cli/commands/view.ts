// `looptap view FILE`: the live view, from a capture (or its JSON lines, filtered).

import { readCapture } from '../../capture/reader.js';
import { toLine } from '../../capture/line-format.js';
import { Formatter } from '../../view/format.js';
import type { CaptureEvent } from '../../events.js';

export interface ViewFlags {
  file: string;
  follow: boolean;
  conn?: number[];
  protocol?: string;
  json: boolean;
  preview: number;
  showData: boolean;
}

export async function runView(flags: ViewFlags): Promise<number> {
  const ac = new AbortController();
  const stop = (): void => ac.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  process.stdout.on('error', stop);
  const formatter = new Formatter({
    color: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR,
    preview: flags.preview,
    showData: flags.showData,
    width: Math.max(40, (process.stdout.columns ?? 160) - 30),
  });
  const conns = flags.conn && flags.conn.length ? new Set(flags.conn) : undefined;
  // connections that carry the chosen protocol; raw chunks of other connections are left out
  const protoConns = new Set<number>();
  try {
    for await (const e of readCapture(flags.file, { follow: flags.follow, signal: ac.signal })) {
      if (!keep(e, conns, flags.protocol, protoConns)) continue;
      const out = flags.json ? (e.type === 'header' ? undefined : toLine(e)) : lineOf(formatter, e);
      if (out === undefined) continue;
      if (!process.stdout.write(out)) await new Promise((r) => process.stdout.once('drain', r));
      if (ac.signal.aborted) break;
    }
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
  return 0;
}

function lineOf(f: Formatter, e: CaptureEvent): string | undefined {
  const line = f.format(e);
  return line === undefined ? undefined : line + '\n';
}

function keep(
  e: CaptureEvent,
  conns: Set<number> | undefined,
  protocol: string | undefined,
  protoConns: Set<number>,
): boolean {
  const conn = (e as { conn?: number }).conn;
  if (conns && (conn === undefined || !conns.has(conn)))
    return e.type === 'header' || e.type === 'listening';
  if (protocol) {
    if (e.type === 'message') {
      if (e.protocol !== protocol) return false;
      protoConns.add(e.conn);
      return true;
    }
    return conn !== undefined && protoConns.has(conn) && e.type !== 'data';
  }
  return true;
}
