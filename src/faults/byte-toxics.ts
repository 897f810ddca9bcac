// Toxiproxy's byte-level toxics as time arithmetic: each turns pieces (bytes + the time they may
// leave) into pieces, and may ask for an action (close, reset) at a time. The lane then delivers
// in order. Semantics follow Toxiproxy's toxics/*.go: latency adds latency ± jitter per chunk;
// bandwidth spaces bytes at `rate` KB/s in slices of at most 100 ms; slicer cuts chunks around
// average_size ± size_variation with `delay` µs between slices; limit_data passes `bytes` then
// closes; timeout drops everything (and closes after `timeout` ms unless 0); reset_peer drops the
// first data and resets after `timeout` ms; slow_close delays the FIN by `delay` ms.

import type { Attributes } from './toxics.js';

export interface Piece {
  bytes: Buffer;
  at: number;
}

export type Action = { kind: 'close' | 'reset'; at: number; why: string };

/** per connection, per toxic */
export interface ByteState {
  free: number;
  sent: number;
  armed: boolean;
}

export const newByteState = (): ByteState => ({ free: 0, sent: 0, armed: false });

/** one call of a toxic: its attributes as numbers, its state on this connection, and where an
 * action it asks for goes */
interface ByteCall {
  name: string;
  n: (k: string) => number;
  st: ByteState;
  pieces: Piece[];
  now: number;
  actions: Action[];
}

export function applyByteToxic(
  type: string,
  name: string,
  a: Attributes,
  st: ByteState,
  pieces: Piece[],
  now: number,
  actions: Action[],
): Piece[] {
  const toxic = BYTE_TOXICS.get(type);
  if (!toxic) return pieces; // slow_close acts on the FIN only
  const n = (k: string): number => Number(a[k] ?? 0);
  return toxic({ name, n, st, pieces, now, actions });
}

const BYTE_TOXICS = new Map<string, (c: ByteCall) => Piece[]>([
  ['latency', latency],
  ['bandwidth', bandwidth],
  ['slicer', slicer],
  ['limit_data', limitData],
  ['timeout', () => []],
  ['reset_peer', resetPeer],
]);

function latency({ n, pieces }: ByteCall): Piece[] {
  const latency = n('latency');
  const jitter = n('jitter');
  for (const p of pieces) {
    const j = jitter > 0 ? Math.floor(Math.random() * jitter * 2) - jitter : 0;
    p.at += Math.max(0, latency + j);
  }
  return pieces;
}

function bandwidth({ n, st, pieces }: ByteCall): Piece[] {
  const rate = n('rate'); // KB/s = bytes per ms
  if (rate <= 0) return pieces;
  const slice = rate * 100;
  const out: Piece[] = [];
  for (const p of pieces) {
    for (let i = 0; i < p.bytes.length; i += slice) {
      const bytes = p.bytes.subarray(i, i + slice);
      st.free = Math.max(st.free, p.at) + bytes.length / rate;
      out.push({ bytes, at: st.free });
    }
  }
  return out;
}

function slicer({ n, pieces }: ByteCall): Piece[] {
  const avg = n('average_size');
  if (avg <= 0) return pieces;
  const variation = Math.min(n('size_variation'), avg - 1);
  const delayMs = n('delay') / 1000;
  const out: Piece[] = [];
  for (const p of pieces) {
    const cuts = slices(0, p.bytes.length, avg, variation);
    for (let i = 1; i < cuts.length; i += 2) {
      out.push({
        bytes: p.bytes.subarray(cuts[i - 1], cuts[i]),
        at: p.at + ((i - 1) / 2) * delayMs,
      });
    }
  }
  return out;
}

function limitData({ name, n, st, pieces, actions }: ByteCall): Piece[] {
  const limit = n('bytes');
  const out: Piece[] = [];
  for (const p of pieces) {
    const room = Math.max(0, limit - st.sent);
    const bytes = room < p.bytes.length ? p.bytes.subarray(0, room) : p.bytes;
    if (bytes.length > 0) out.push({ bytes, at: p.at });
    st.sent += bytes.length;
    if (st.sent >= limit) {
      if (!st.armed) {
        st.armed = true;
        actions.push({
          kind: 'close',
          at: p.at,
          why: `limit_data ${name}: ${limit} bytes passed, closing`,
        });
      }
      break;
    }
  }
  return out;
}

function resetPeer({ name, n, st, pieces, now, actions }: ByteCall): Piece[] {
  if (pieces.length > 0 && !st.armed) {
    st.armed = true;
    actions.push({
      kind: 'reset',
      at: now + n('timeout'),
      why: `reset_peer ${name}: connection reset`,
    });
  }
  return [];
}

/** Toxiproxy's slicer split: halves until a part is within size_variation of average_size */
function slices(start: number, end: number, avg: number, variation: number): number[] {
  if (end - start - avg <= variation) return [start, end];
  let mid = start + Math.floor((end - start) / 2);
  if (variation > 0) mid += Math.floor(Math.random() * variation * 2) - variation;
  mid = Math.min(Math.max(mid, start + 1), end - 1);
  return [...slices(start, mid, avg, variation), ...slices(mid, end, avg, variation)];
}
