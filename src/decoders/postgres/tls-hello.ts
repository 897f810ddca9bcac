// Reads the server name (SNI) and ALPN protocols from a TLS ClientHello record, for the one 'tls'
// message a connection gets before it turns opaque. Best effort: any surprise returns what was
// found so far. RFC 8446 4.1.2 (ClientHello), RFC 6066 3 (server_name), RFC 7301 (ALPN).

import { Reader } from './reader.js';

export interface HelloInfo {
  sni?: string;
  alpn?: string[];
}

/** `record` starts at the TLS record header (0x16 0x03 0x0X len16) */
export function parseClientHello(record: Buffer): HelloInfo {
  const info: HelloInfo = {};
  const r = new Reader(record);
  if (r.u8() !== 0x16) return info;
  r.bytes(4); // version, record length
  if (r.u8() !== 0x01) return info; // handshake type ClientHello
  r.bytes(3 + 2 + 32); // handshake length, legacy version, random
  r.bytes(r.u8()); // session id
  r.bytes(r.i16() & 0xffff); // cipher suites
  r.bytes(r.u8()); // compression methods
  const extEnd = Math.min(record.length, r.pos + 2 + (r.i16() & 0xffff));
  while (!r.bad && r.pos + 4 <= extEnd) {
    const type = r.i16() & 0xffff;
    const ext = new Reader(r.bytes(r.i16() & 0xffff));
    if (type === 0x0000) {
      ext.i16(); // list length
      if (ext.u8() === 0) info.sni = ext.bytes(ext.i16() & 0xffff).toString('latin1');
    } else if (type === 0x0010) {
      const end = Math.min(ext.buf.length, 2 + (ext.i16() & 0xffff));
      const alpn: string[] = [];
      while (!ext.bad && ext.pos < end) alpn.push(ext.bytes(ext.u8()).toString('latin1'));
      info.alpn = alpn;
    }
  }
  return info;
}
