// `looptap export FILE --format pcap --out OUT`: a capture as a classic pcap that Wireshark and
// tshark open and dissect (docs/export-pcap.md). Each looptap connection becomes one TCP stream
// between its real client and target addresses:
//
//   open  ──▶ SYN, SYN-ACK, ACK              (at the open event's time)
//   data  ──▶ PSH-ACK segments of <= 65,495 B (seq = ISN + 1 + the chunk's byte offset)
//   end   ──▶ FIN-ACK from that side
//   close ──▶ RST from the side that reset (*_reset, connect_*), or the last FIN's ACK
//
// Sequence numbers come from the capture's byte offsets, so a gap or a --max-payload cut shows
// in Wireshark as "previous segment not captured" instead of bytes glued to the wrong place.

import fs from 'node:fs';
import { once } from 'node:events';
import type { CaptureEvent, From, OpenEvent } from '../events.js';
import {
  buildPacket,
  resetIpId,
  ipBytes,
  mappedV6,
  parseEndpoint,
  MAX_SEGMENT,
  TCP_ACK,
  TCP_FIN,
  TCP_PSH,
  TCP_RST,
  TCP_SYN,
  type Endpoint,
} from './packet.js';
import type { Writable } from 'node:stream';
import { LooptapError } from '../util/errors.js';
import type { ExportFormat } from './formats.js';

const LINKTYPE_RAW = 101;
const SNAPLEN = 262144;

interface Side {
  ep: Endpoint;
  isn: number;
  /** next byte offset this side sends (max of offset + len seen) */
  next: number;
  fin: boolean;
}

interface Stream {
  client: Side;
  server: Side;
  done: boolean;
}

export async function writePcap(
  events: AsyncIterable<CaptureEvent>,
  out: string,
): Promise<{ packets: number }> {
  let file: Writable;
  if (out === '-') {
    // `looptap export c.jsonl --format pcap --out - | wireshark -k -i -`
    file = process.stdout;
  } else {
    const f = fs.createWriteStream(out, { flags: 'w', mode: 0o600 });
    await new Promise<void>((resolve, reject) => {
      f.once('open', () => resolve());
      f.once('error', (e: NodeJS.ErrnoException) => reject(pcapWriteError(out, e)));
    });
    // the pcap holds the same payloads as the capture: same 0600 as the capture itself
    fs.chmodSync(out, 0o600);
    file = f;
  }
  resetIpId();
  const w = new PcapWriter(file, out);
  await w.raw(globalHeader());
  const streams = new Map<string, Stream>();
  const targets = new Map<string, string>();
  let synthetic = 0;

  for await (const e of events) {
    const key = `${e.route ?? ''}#${(e as { conn?: number }).conn ?? ''}`;
    if (e.type === 'listening') {
      targets.set(e.route ?? '', e.target);
      continue;
    }
    if (e.type === 'open') {
      const s = newStream(e, ++synthetic);
      streams.set(key, s);
      await handshake(w, s, e.time);
      continue;
    }
    if (e.type !== 'data' && e.type !== 'end' && e.type !== 'close') continue;
    let s = streams.get(key);
    if (!s) {
      // the open event is in an older, rotated file: make up the start of the stream
      const target = targets.get(e.route ?? '') ?? '127.0.0.1:9';
      s = newStream({ client: `127.0.0.1:${40000 + (e.conn % 20000)}`, target }, ++synthetic);
      if (e.type === 'data') s[e.from].next = e.offset;
      streams.set(key, s);
      await handshake(w, s, e.time);
    }
    if (s.done) continue;
    if (e.type === 'data') {
      const src = s[e.from];
      const dst = s[other(e.from)];
      for (let i = 0; i < e.bytes.length; i += MAX_SEGMENT) {
        const chunk = e.bytes.subarray(i, i + MAX_SEGMENT);
        await w.packet(e.time, {
          src: src.ep,
          dst: dst.ep,
          seq: src.isn + 1 + e.offset + i,
          ack: ackOf(dst),
          flags: TCP_PSH | TCP_ACK,
          payload: chunk,
        });
      }
      src.next = Math.max(src.next, e.offset + e.len);
    } else if (e.type === 'end') {
      const src = s[e.from];
      const dst = s[other(e.from)];
      if (src.fin) continue;
      await w.packet(e.time, {
        src: src.ep,
        dst: dst.ep,
        seq: src.isn + 1 + src.next,
        ack: ackOf(dst),
        flags: TCP_FIN | TCP_ACK,
      });
      src.fin = true;
    } else {
      s.done = true;
      const resetBy = resetSide(e.reason);
      if (resetBy) {
        const src = s[resetBy];
        const dst = s[other(resetBy)];
        await w.packet(e.time, {
          src: src.ep,
          dst: dst.ep,
          seq: src.isn + 1 + src.next + (src.fin ? 1 : 0),
          ack: ackOf(dst),
          flags: TCP_RST | TCP_ACK,
        });
      } else if (s.client.fin && s.server.fin) {
        // the last FIN is acknowledged by its peer; the client closes last by convention
        await w.packet(e.time, {
          src: s.client.ep,
          dst: s.server.ep,
          seq: s.client.isn + 2 + s.client.next,
          ack: ackOf(s.server),
          flags: TCP_ACK,
        });
      }
      streams.delete(key);
    }
  }
  await w.end();
  return { packets: w.packets };
}

/** the `looptap export --format pcap` entry (src/export/formats.ts) */
export const pcap: ExportFormat = {
  name: 'pcap',
  async write(events, out) {
    const { packets } = await writePcap(events, out);
    return `${packets} packets`;
  },
};

function other(from: From): From {
  return from === 'client' ? 'server' : 'client';
}

function ackOf(peer: Side): number {
  return peer.isn + 1 + peer.next + (peer.fin ? 1 : 0);
}

function resetSide(reason: string): From | undefined {
  if (reason === 'client_reset') return 'client';
  if (reason === 'server_reset' || reason === 'connect_failed' || reason === 'connect_timeout')
    return 'server';
  return undefined;
}

function newStream(o: Pick<OpenEvent, 'client' | 'target'>, n: number): Stream {
  const c = parseEndpoint(o.client) ?? { host: '127.0.0.1', port: 40000 + (n % 20000) };
  const t = parseEndpoint(o.target) ?? { host: '127.0.0.1', port: 9 };
  let cip = ipBytes(c.host);
  let tip = ipBytes(t.host);
  if (cip.length !== tip.length) {
    if (cip.length === 4) cip = mappedV6(cip);
    else tip = mappedV6(tip);
  }
  // fixed, distinct initial sequence numbers: the export is reproducible
  const isn = (k: number): number => (Math.imul(n * 2 + k, 0x9e3779b1) >>> 0) & 0x7fffffff;
  return {
    client: { ep: { ip: cip, port: c.port }, isn: isn(0), next: 0, fin: false },
    server: { ep: { ip: tip, port: t.port }, isn: isn(1), next: 0, fin: false },
    done: false,
  };
}

async function handshake(w: PcapWriter, s: Stream, time: number): Promise<void> {
  const { client: c, server: sv } = s;
  // SYN takes seq isn + next, so the first byte after it is isn + 1 + its offset; a stream
  // made up mid-way (its open was rotated away) thus resumes at the captured offset
  const cs = c.isn + c.next;
  const ss = sv.isn + sv.next;
  await w.packet(time, { src: c.ep, dst: sv.ep, seq: cs, ack: 0, flags: TCP_SYN });
  await w.packet(time, { src: sv.ep, dst: c.ep, seq: ss, ack: cs + 1, flags: TCP_SYN | TCP_ACK });
  await w.packet(time, { src: c.ep, dst: sv.ep, seq: cs + 1, ack: ss + 1, flags: TCP_ACK });
}

function globalHeader(): Buffer {
  const h = Buffer.alloc(24);
  h.writeUInt32LE(0xa1b2c3d4, 0); // microsecond timestamps
  h.writeUInt16LE(2, 4);
  h.writeUInt16LE(4, 6);
  h.writeInt32LE(0, 8);
  h.writeUInt32LE(0, 12);
  h.writeUInt32LE(SNAPLEN, 16);
  h.writeUInt32LE(LINKTYPE_RAW, 20);
  return h;
}

class PcapWriter {
  packets = 0;
  private lastUs = 0;
  private failure?: Error;

  constructor(
    private readonly file: Writable,
    out: string,
  ) {
    file.on('error', (e: NodeJS.ErrnoException) => {
      this.failure = pcapWriteError(out, e);
      file.emit('drain');
    });
  }

  /** a write error (ENOSPC...) arrives as an event; it is thrown at the next write */
  private check(): void {
    const f = this.failure;
    if (f) throw f;
  }

  async raw(b: Buffer): Promise<void> {
    this.check();
    if (!this.file.write(b)) await once(this.file, 'drain');
    this.check();
  }

  async packet(timeMs: number, seg: Parameters<typeof buildPacket>[0]): Promise<void> {
    const p = buildPacket(seg);
    // captures have ms times; keep packets in order within a ms so Wireshark's view is stable
    const us = Math.max(Math.round(timeMs * 1000), this.lastUs + 1);
    this.lastUs = us;
    const rec = Buffer.alloc(16);
    rec.writeUInt32LE(Math.floor(us / 1e6), 0);
    rec.writeUInt32LE(us % 1e6, 4);
    rec.writeUInt32LE(p.length, 8);
    rec.writeUInt32LE(p.length, 12);
    this.packets++;
    await this.raw(Buffer.concat([rec, p]));
  }

  async end(): Promise<void> {
    this.check();
    // stdout is not ours to end
    if (this.file === process.stdout)
      await new Promise<void>((r) => this.file.write('', () => r()));
    else await new Promise<void>((resolve) => this.file.end(() => resolve()));
    this.check();
  }
}

function pcapWriteError(out: string, err: NodeJS.ErrnoException): LooptapError {
  const why =
    err.code === 'ENOENT'
      ? 'its directory does not exist'
      : err.code === 'EISDIR'
        ? 'it is a directory; give a file name'
        : err.code === 'EACCES'
          ? 'permission denied; pick a path you can write'
          : `${err.code ?? ''} ${err.message}`;
  return new LooptapError(err.code ?? 'PCAP_WRITE', `cannot write pcap ${out}: ${why}`);
}
