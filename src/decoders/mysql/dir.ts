// Per-direction state of the decoder and the masks of the packet being read. A mask is sent as
// soon as a secret's first byte is known (often with end Infinity, before the rest arrives) and
// closed with its real end when the packet completes; with compression, payload ranges are mapped
// to the raw (compressed) stream.

import type { From } from '../../events.js';
import type { Mask } from '../decoder.js';
import type { Ctx } from './commands.js';
import { COM, querySqlOffset } from './commands.js';
import type { Decompressor, Packet } from './packets.js';
import { MAX_FRAME, PacketFramer, framedOffset } from './packets.js';
import { HINT, secretRanges } from './sql-secrets.js';
import { EXECUTE_PARAMS_AT } from './params.js';

export interface Dir {
  framer: PacketFramer;
  dec?: Decompressor;
  /** payload offset from which the current packet is secret */
  secretFrom?: number;
  /** starts of masks sent with end Infinity for the current packet; closed when it completes */
  open: Set<number>;
  /** starts of masks sent with their real end for the current packet */
  closed: Set<number>;
  /** current client packet's command byte, its payload start, and the partial-sql scan state */
  cmd?: number;
  start: number;
  scanned: number;
  hint: boolean;
}

export const newDir = (): Dir => ({
  framer: new PacketFramer(),
  open: new Set(),
  closed: new Set(),
  start: 0,
  scanned: 0,
  hint: false,
});

/** a new packet starts at `start`: forget the last one's mask state */
export function resetDir(d: Dir, start: number, cmd: number | undefined): void {
  d.secretFrom = undefined;
  if (d.open.size) d.open.clear();
  if (d.closed.size) d.closed.clear();
  d.start = start;
  d.scanned = 0;
  d.hint = false;
  d.cmd = cmd;
}

/** the packet starting at `start` is secret from payload offset `maskFrom` */
export function openSecret(
  from: From,
  d: Dir,
  maskFrom: number,
  frameLen: number,
  start: number,
  out: Mask[],
): void {
  const s = framedOffset(start, maskFrom);
  if (d.dec) {
    // compressed: the real range is known when the packet completes; mask from its first
    // byte now if that byte already came in (stored frames stream through)
    d.secretFrom = maskFrom;
    const raw = d.dec.rawRanges(s, s + 1)[0];
    if (raw) {
      out.push({ from, start: raw.start, end: Infinity });
      d.open.add(raw.start);
    }
    return;
  }
  const end = frameLen === MAX_FRAME ? Infinity : start + frameLen;
  if (end === Infinity) {
    d.secretFrom = maskFrom;
    d.open.add(s);
  }
  if (end > s) out.push({ from, start: s, end });
}

/** A password literal in a query that is still arriving: mask it from its first byte, before
 * the rest of the packet (and the chunks that carry it) is seen. */
export function scanPartial(d: Dir, ctx: Ctx, out: Mask[]): void {
  if (d.cmd === COM.STMT_EXECUTE) return executePartial(d, ctx, out);
  if (d.cmd !== COM.QUERY && d.cmd !== COM.STMT_PREPARE) return;
  const kept = d.framer.partialLength;
  if (kept <= d.scanned) return;
  const buf = d.framer.partial();
  if (!buf) return;
  if (!d.hint) {
    const tail = buf.toString('latin1', Math.max(0, d.scanned - 16));
    d.scanned = kept;
    if (!HINT.test(tail)) return;
    d.hint = true;
  }
  d.scanned = kept;
  const at = d.cmd === COM.QUERY ? querySqlOffset(buf, ctx) : 1;
  if (at === undefined) return;
  for (const [a] of secretRanges(buf.subarray(at))) {
    const s = framedOffset(d.start, at + a);
    const start = d.dec ? d.dec.rawRanges(s, s + 1)[0]?.start : s;
    if (start === undefined || d.open.has(start)) continue;
    out.push({ from: 'client', start, end: Infinity });
    d.open.add(start);
  }
}

/** An EXECUTE still arriving whose statement takes a password as a parameter: its parameter
 * block is masked from its first byte (exactly, at the value, when the packet is whole). */
function executePartial(d: Dir, ctx: Ctx, out: Mask[]): void {
  if (d.scanned > 0 || d.framer.partialLength < 5) return;
  const buf = d.framer.partial();
  if (!buf) return;
  d.scanned = buf.length;
  const id = buf.readUInt32LE(1);
  const stmt = ctx.stmts.get(
    id === 0xffffffff && ctx.lastStmtId !== undefined ? ctx.lastStmtId : id,
  );
  if (!stmt?.secretParams) return;
  const s = framedOffset(d.start, EXECUTE_PARAMS_AT);
  const start = d.dec ? d.dec.rawRanges(s, s + 1)[0]?.start : s;
  if (start === undefined) return;
  out.push({ from: 'client', start, end: Infinity });
  d.open.add(start);
}

/** re-sends every provisional mask of a completed packet with a real end */
export function closeOpen(from: From, d: Dir, p: Packet, out: Mask[]): void {
  if (d.open.size === 0) return;
  let end = p.end;
  if (d.dec) end = d.dec.rawRanges(p.start, p.end).at(-1)?.end ?? end;
  for (const s of d.open) {
    if (!d.closed.has(s)) out.push({ from, start: s, end: Math.max(end, s + 1) });
  }
  d.open.clear();
}

/** masks payload range [a, b) of packet p (b = Infinity: to the end of the packet) */
export function secretRange(
  from: From,
  d: Dir,
  p: Packet,
  a: number,
  b: number,
  out: Mask[],
): void {
  const start = framedOffset(p.start, a);
  const end = b === Infinity ? p.end : Math.min(p.end, framedOffset(p.start, b));
  if (end <= start) return;
  const ranges = d.dec ? d.dec.rawRanges(start, end) : [{ start, end }];
  for (const r of ranges) {
    out.push({ from, start: r.start, end: r.end });
    d.closed.add(r.start);
  }
}
