// The capture's connections as TCP streams for the pcap export (pcap.ts): the handshake, the
// segments, the FINs and the RST or last ACK that each connection's events stand for.

import type {
  CaptureEvent,
  CloseEvent,
  DataEvent,
  EndEvent,
  From,
  MessageEvent,
  OpenEvent,
} from '../events.js';
import {
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
import type { PcapWriter } from './pcap-writer.js';
import { httpBytes, type HttpBytes } from './http-bytes.js';

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

type Handle = (s: Stream) => Promise<void>;
type StreamEvent = MessageEvent | DataEvent | EndEvent | CloseEvent;

/** The capture's connections as TCP streams: each event becomes the packets it stands for. */
export class TcpStreams {
  /** events that carried payload bytes (an export with none is refused) */
  payloads = 0;
  private readonly streams = new Map<string, Stream>();
  private readonly targets = new Map<string, string>();
  private readonly httpRoutes = new Set<string>();
  private synthetic = 0;

  constructor(private readonly w: PcapWriter) {}

  async add(e: CaptureEvent): Promise<void> {
    const key = `${e.route ?? ''}#${(e as { conn?: number }).conn ?? ''}`;
    if (e.type === 'listening') {
      this.targets.set(e.route ?? '', e.target);
      if (e.mode === 'http') this.httpRoutes.add(e.route ?? '');
      return;
    }
    if (e.type === 'open') {
      const s = newStream(e, ++this.synthetic);
      this.streams.set(key, s);
      await handshake(this.w, s, e.time);
      return;
    }
    if (e.type !== 'message' && e.type !== 'data' && e.type !== 'end' && e.type !== 'close') return;
    const handle = this.handlerOf(e, key);
    if (!handle) return;
    const s = this.streams.get(key) ?? (await this.madeUp(key, e));
    if (!s.done) await handle(s);
  }

  private handlerOf(e: StreamEvent, key: string): Handle | undefined {
    switch (e.type) {
      case 'message': {
        // HTTP mode: the messages are the only record of the bytes
        if (e.protocol !== 'http' || !this.httpRoutes.has(e.route ?? '')) return undefined;
        const synthesized = httpBytes(e);
        return synthesized ? (s) => this.message(s, e, synthesized) : undefined;
      }
      case 'data':
        return (s) => this.data(s, e);
      case 'end':
        return (s) => this.end(s, e);
      case 'close':
        return (s) => this.close(s, e, key);
    }
  }

  /** the open event is in an older, rotated file: make up the start of the stream */
  private async madeUp(key: string, e: StreamEvent): Promise<Stream> {
    const target = this.targets.get(e.route ?? '') ?? '127.0.0.1:9';
    const s = newStream(
      { client: `127.0.0.1:${40000 + (e.conn % 20000)}`, target },
      ++this.synthetic,
    );
    if (e.type === 'data') s[e.from].next = e.offset;
    this.streams.set(key, s);
    await handshake(this.w, s, e.time);
    return s;
  }

  private async message(s: Stream, e: MessageEvent, synthesized: HttpBytes): Promise<void> {
    const src = s[e.from];
    await segments(this.w, e.time, src, s[other(e.from)], src.next, synthesized.bytes);
    src.next += synthesized.bytes.length + synthesized.missing;
    this.payloads++;
  }

  private async data(s: Stream, e: DataEvent): Promise<void> {
    const src = s[e.from];
    await segments(this.w, e.time, src, s[other(e.from)], e.offset, e.bytes);
    src.next = Math.max(src.next, e.offset + e.len);
    if (e.len > 0) this.payloads++;
  }

  private async end(s: Stream, e: EndEvent): Promise<void> {
    const src = s[e.from];
    const dst = s[other(e.from)];
    if (src.fin) return;
    await this.w.packet(e.time, {
      src: src.ep,
      dst: dst.ep,
      seq: src.isn + 1 + src.next,
      ack: ackOf(dst),
      flags: TCP_FIN | TCP_ACK,
    });
    src.fin = true;
  }

  private async close(s: Stream, e: CloseEvent, key: string): Promise<void> {
    s.done = true;
    const resetBy = resetSide(e.reason);
    if (resetBy) {
      const src = s[resetBy];
      const dst = s[other(resetBy)];
      await this.w.packet(e.time, {
        src: src.ep,
        dst: dst.ep,
        seq: src.isn + 1 + src.next + (src.fin ? 1 : 0),
        ack: ackOf(dst),
        flags: TCP_RST | TCP_ACK,
      });
    } else if (s.client.fin && s.server.fin) {
      // the last FIN is acknowledged by its peer; the client closes last by convention
      await this.w.packet(e.time, {
        src: s.client.ep,
        dst: s.server.ep,
        seq: s.client.isn + 2 + s.client.next,
        ack: ackOf(s.server),
        flags: TCP_ACK,
      });
    }
    this.streams.delete(key);
  }
}

/** PSH-ACK segments of at most MAX_SEGMENT bytes from `offset` of that direction */
async function segments(
  w: PcapWriter,
  time: number,
  src: Side,
  dst: Side,
  offset: number,
  bytes: Buffer,
): Promise<void> {
  for (let i = 0; i < bytes.length; i += MAX_SEGMENT) {
    await w.packet(time, {
      src: src.ep,
      dst: dst.ep,
      seq: src.isn + 1 + offset + i,
      ack: ackOf(dst),
      flags: TCP_PSH | TCP_ACK,
      payload: bytes.subarray(i, i + MAX_SEGMENT),
    });
  }
}

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
