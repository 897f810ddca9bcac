// `looptap view FILE`: the live view, from a capture (or its JSON lines, filtered). With
// --follow it keeps reading as the capture grows and across rotation (capture/follow.ts).

import { readCapture } from '../../capture/reader.js';
import { followCapture } from '../../capture/follow.js';
import { toLine } from '../../capture/line-format.js';
import { Formatter } from '../../view/format.js';
import type { CaptureEvent, From } from '../../events.js';
import { jsonKept, keepEvent, type ViewFilter } from '../../view/filter.js';
import { GrepPairs } from '../../view/grep.js';
import { DataHold } from '../../view/data-hold.js';
import type { Filter } from '../../filter/index.js';

export interface ViewFlags {
  file: string;
  follow: boolean;
  route?: string[];
  conn?: number[];
  protocol?: string;
  from?: From;
  grep?: string;
  json: boolean;
  preview: number;
  showData: boolean;
  filter?: Filter;
  rows?: number;
  frames?: boolean;
  /** --ui [HOST:PORT]: the capture in the web UI instead of the terminal */
  ui?: string;
}

export async function runView(flags: ViewFlags): Promise<number> {
  if (flags.ui !== undefined) {
    const { viewInUi } = await import('../../ui/view.js');
    return viewInUi(flags.file, flags.ui, flags.follow);
  }
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
    filter: flags.filter,
    rows: flags.rows,
    frames: flags.frames,
  });
  const filter: ViewFilter = {
    routes: flags.route && flags.route.length ? new Set(flags.route) : undefined,
    conns: flags.conn && flags.conn.length ? new Set(flags.conn) : undefined,
    protocol: flags.protocol,
    from: flags.from,
    protoConns: new Set(),
  };
  const grep = flags.grep !== undefined ? new GrepPairs(flags.grep.toLowerCase()) : undefined;
  const filterJson = flags.json && flags.filter && flags.filter.source.trim() !== '';
  const events = flags.follow
    ? followCapture(flags.file, { signal: ac.signal })
    : readCapture(flags.file, { signal: ac.signal });
  // a connection's first chunks wait for its first frame (data-hold.ts); not for JSON lines,
  // --show-data (every chunk is shown in order) or --follow
  const hold = !flags.json && !flags.showData && !flags.follow ? new DataHold() : undefined;
  const write = async (e: CaptureEvent): Promise<void> => {
    if (filterJson && !jsonKept(e, flags.filter!)) return;
    const out = flags.json ? (e.type === 'header' ? undefined : toLine(e)) : lineOf(formatter, e);
    if (out === undefined) return;
    if (!process.stdout.write(out)) await new Promise((r) => process.stdout.once('drain', r));
  };
  try {
    for await (const read of events) {
      if (!keepEvent(read, filter)) continue;
      for (const e of grep ? grep.push(read) : [read]) {
        for (const ready of hold ? hold.push(e) : [e]) await write(ready);
      }
      if (ac.signal.aborted) break;
    }
    if (hold) for (const e of hold.flush()) await write(e);
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
