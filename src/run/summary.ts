// The line printed on exit: what passed through, per protocol and per route, and anything lost.

import type { CaptureEvent } from '../events.js';
import type { Sink } from '../capture/hub.js';
import type { Filter } from '../filter/index.js';
import { Digest } from '../digest/index.js';
import { plural } from '../util/plural.js';
import { digestTable, findingLine } from '../view/digest-table.js';

const TOP = 5;

export class Tally implements Sink {
  readonly name = 'summary';
  connections = 0;
  bytes = { client: 0, server: 0 };
  messages = new Map<string, number>();
  errors = 0;
  gaps = 0;
  /** per route name, when several routes share the process */
  routes = new Map<string, { connections: number; client: number; server: number }>();
  /** the digest of the (matching) exchanges, for the top 5 at the end */
  readonly digest = new Digest();

  constructor(private readonly filter?: Filter) {}

  /** frames are only counted here: the count of the ones not built will do */
  takesFrames(): boolean {
    return false;
  }

  framesSkipped(protocol: string, n: number): void {
    this.countFrames(protocol, n);
  }

  /** frames of `protocol`, built (message events) or not */
  private countFrames(protocol: string, n: number): void {
    this.messages.set(protocol, (this.messages.get(protocol) ?? 0) + n);
  }

  write(e: CaptureEvent): boolean {
    if (e.type === 'exchange') {
      if (!this.filter || this.filter.match(e)) this.digest.add(e);
      return true;
    }
    const r = e.route !== undefined ? this.route(e.route) : undefined;
    if (e.type === 'open') {
      this.connections++;
      if (r) r.connections++;
    } else if (e.type === 'close') {
      this.digest.close(e.conn, e.route);
      this.bytes.client += e.bytes.client;
      this.bytes.server += e.bytes.server;
      if (r) {
        r.client += e.bytes.client;
        r.server += e.bytes.server;
      }
    } else if (e.type === 'message') this.countFrames(e.protocol, 1);
    else if (e.type === 'error') this.errors++;
    else if (e.type === 'gap') this.gaps += e.len;
    return true;
  }

  private route(name: string): { connections: number; client: number; server: number } {
    let r = this.routes.get(name);
    if (!r) this.routes.set(name, (r = { connections: 0, client: 0, server: 0 }));
    return r;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** what the summary needs of a capture: a CaptureFile or a RotatingCaptureFile */
export interface CaptureStats {
  path: string;
  written: number;
  dropped: number;
  rotations?: number;
  truncated?: number;
}

export function summaryLine(t: Tally, capture?: CaptureStats): string {
  const parts = [
    plural(t.connections, 'connection'),
    `client sent ${size(t.bytes.client)}, server sent ${size(t.bytes.server)}`,
  ];
  if (t.messages.size) {
    parts.push([...t.messages].map(([p, n]) => plural(n, `${p} message`)).join(', '));
  }
  if (t.errors) parts.push(plural(t.errors, 'error'));
  if (t.gaps) parts.push(`${size(t.gaps)} not captured (gaps)`);
  if (capture) {
    const extra = [
      capture.rotations ? plural(capture.rotations, 'rotation') : '',
      capture.truncated ? `${capture.truncated} payloads cut by --max-payload` : '',
      capture.dropped ? `${capture.dropped} events dropped` : '',
    ].filter(Boolean);
    parts.push(
      `capture ${capture.path} (${size(capture.written)}${extra.length ? ', ' + extra.join(', ') : ''})`,
    );
  }
  return `stopped: ${parts.join('; ')}`;
}

/** one line per route: "route pg: 3 connections, client sent 1.2 KiB, server sent 4.0 KiB" */
export function routeLines(t: Tally): string[] {
  return [...t.routes].map(
    ([name, r]) =>
      `route ${name}: ${r.connections} connection${r.connections === 1 ? '' : 's'}, client sent ${size(r.client)}, server sent ${size(r.server)}`,
  );
}

export function size(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

/** the top of the digest at the end of a live run: the 5 fingerprints with the most total time,
 * then the N+1 findings (at most 5); nothing when no exchange passed */
export function digestLines(t: Tally, width = 160): string[] {
  const d = t.digest;
  if (d.exchanges === 0) return [];
  const rows = d.rows('total');
  const head = `${plural(d.exchanges, 'exchange')}, ${plural(d.errors, 'error')}, ${plural(rows.length, 'fingerprint')}; top ${Math.min(TOP, rows.length)} by total time:`;
  const out = [head, ...digestTable(rows.slice(0, TOP), width - 2).map((l) => '  ' + l)];
  const findings = d.findings();
  for (const f of findings.slice(0, TOP)) out.push('  ' + findingLine(f, width - 2));
  if (findings.length > TOP)
    out.push(`  … and ${findings.length - TOP} more N+1 runs (looptap stats CAPTURE lists them)`);
  return out;
}
