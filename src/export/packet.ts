// IPv4/IPv6 + TCP packets for the pcap export, built by hand with real checksums (tshark flags
// bad checksums, and some dissectors give up on them). LINKTYPE_RAW: a packet starts at the IP
// header, so both families can share one file.
//
//   IPv4: 20-byte header (RFC 791), DF set, TTL 64, protocol 6
//   IPv6: 40-byte header (RFC 8200), next header 6, hop limit 64
//   TCP:  20-byte header (RFC 9293), no options, window 65535

import { isIP } from 'node:net';

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;

/** the most payload one segment carries: 65535 (IPv4 total length) - 20 (IP) - 20 (TCP) */
export const MAX_SEGMENT = 65495;

export interface Endpoint {
  /** 4 or 16 bytes */
  ip: Buffer;
  port: number;
}

export interface Segment {
  src: Endpoint;
  dst: Endpoint;
  seq: number;
  ack: number;
  flags: number;
  payload?: Buffer;
}

let ipId = 0;

/** IPv4 ids count from 0 again, so that one capture always exports to the same bytes */
export function resetIpId(): void {
  ipId = 0;
}

/** one IP packet holding one TCP segment */
export function buildPacket(s: Segment): Buffer {
  const payload = s.payload ?? Buffer.alloc(0);
  const tcp = Buffer.alloc(20);
  tcp.writeUInt16BE(s.src.port, 0);
  tcp.writeUInt16BE(s.dst.port, 2);
  tcp.writeUInt32BE(s.seq >>> 0, 4);
  tcp.writeUInt32BE(s.flags & TCP_ACK ? s.ack >>> 0 : 0, 8);
  tcp[12] = 5 << 4; // data offset: 5 words, no options
  tcp[13] = s.flags;
  tcp.writeUInt16BE(0xffff, 14); // window
  const v6 = s.src.ip.length === 16;
  const tcpLen = 20 + payload.length;
  // checksum over the pseudo-header, the TCP header (checksum field 0) and the payload
  const pseudo = v6 ? Buffer.alloc(40) : Buffer.alloc(12);
  if (v6) {
    s.src.ip.copy(pseudo, 0);
    s.dst.ip.copy(pseudo, 16);
    pseudo.writeUInt32BE(tcpLen, 32);
    pseudo[39] = 6;
  } else {
    s.src.ip.copy(pseudo, 0);
    s.dst.ip.copy(pseudo, 4);
    pseudo[9] = 6;
    pseudo.writeUInt16BE(tcpLen, 10);
  }
  tcp.writeUInt16BE(checksum([pseudo, tcp, payload]), 16);

  let ip: Buffer;
  if (v6) {
    ip = Buffer.alloc(40);
    ip.writeUInt32BE(0x60000000, 0);
    ip.writeUInt16BE(tcpLen, 4);
    ip[6] = 6;
    ip[7] = 64;
    s.src.ip.copy(ip, 8);
    s.dst.ip.copy(ip, 24);
  } else {
    ip = Buffer.alloc(20);
    ip[0] = 0x45; // version 4, header 5 words
    ip.writeUInt16BE(20 + tcpLen, 2);
    ipId = (ipId + 1) & 0xffff;
    ip.writeUInt16BE(ipId, 4);
    ip.writeUInt16BE(0x4000, 6); // don't fragment
    ip[8] = 64;
    ip[9] = 6;
    s.src.ip.copy(ip, 12);
    s.dst.ip.copy(ip, 16);
    ip.writeUInt16BE(checksum([ip]), 10);
  }
  return Buffer.concat([ip, tcp, payload]);
}

/** the Internet checksum (RFC 1071) of several buffers taken as one byte string */
export function checksum(parts: Buffer[]): number {
  let sum = 0;
  let odd: number | undefined;
  for (const b of parts) {
    let i = 0;
    if (odd !== undefined && b.length > 0) {
      sum += (odd << 8) | b[0]!;
      odd = undefined;
      i = 1;
    }
    for (; i + 1 < b.length; i += 2) {
      sum += (b[i]! << 8) | b[i + 1]!;
      // fold now and then so the sum stays a small integer
      if (sum > 0x7fffffff) sum = (sum & 0xffff) + (sum >>> 16);
    }
    if (i < b.length) odd = b[i]!;
  }
  if (odd !== undefined) sum += odd << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** "127.0.0.1:54022", "[::1]:5432", "::1:54022", "::ffff:127.0.0.1:80" -> address and port */
export function parseEndpoint(text: string): { host: string; port: number } | undefined {
  if (/^https?:\/\//.test(text)) {
    // HTTP mode's targets are URLs
    try {
      const u = new URL(text);
      const host = u.hostname.replace(/^\[|\]$/g, '');
      const port = Number(u.port || (u.protocol === 'https:' ? 443 : 80));
      return isIP(host) ? { host, port } : undefined;
    } catch {
      return undefined;
    }
  }
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(text) ?? /^(.*):(\d+)$/.exec(text);
  if (!m) return undefined;
  let host = m[1]!;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(host);
  if (mapped) host = mapped[1]!;
  if (!isIP(host)) return undefined;
  return { host, port: Number(m[2]) };
}

export function ipBytes(host: string): Buffer {
  if (isIP(host) === 4) return Buffer.from(host.split('.').map(Number));
  return ipv6Bytes(host);
}

/** IPv4 as ::ffff:a.b.c.d, for a stream whose other end is IPv6 */
export function mappedV6(v4: Buffer): Buffer {
  const out = Buffer.alloc(16);
  out[10] = 0xff;
  out[11] = 0xff;
  v4.copy(out, 12);
  return out;
}

function ipv6Bytes(host: string): Buffer {
  // the URL parser writes any IPv6 form (dotted tail included) as compressed hex words
  const h = new URL(`http://[${host.split('%')[0]!}]/`).hostname.slice(1, -1);
  const [head, tail] = h.includes('::') ? h.split('::') : [h, ''];
  const words = (x: string | undefined): number[] =>
    x ? x.split(':').map((w) => parseInt(w, 16)) : [];
  const a = words(head);
  const b = words(tail);
  const all = [...a, ...new Array<number>(Math.max(0, 8 - a.length - b.length)).fill(0), ...b];
  const out = Buffer.alloc(16);
  all.slice(0, 8).forEach((w, i) => out.writeUInt16BE(w & 0xffff, i * 2));
  return out;
}
