// The one ClientHello parser: the server name (SNI) and ALPN protocols of a TLS ClientHello, for
// the one 'tls' message a connection gets before it turns opaque (PostgreSQL after SSLRequest,
// https and rediss:// from byte 0). Best effort on what may be only the head of the record: a
// server name that does not fit is no name, ALPN is what was read; nothing here throws.
// RFC 8446 4.1.2 (ClientHello), RFC 6066 3 (server_name), RFC 7301 (ALPN).

/** TLS record header: handshake (0x16), major version 3 */
export function looksLikeTls(first: number, second: number): boolean {
  return first === 0x16 && second === 0x03;
}

export interface HelloInfo {
  sni?: string;
  alpn?: string[];
}

const SERVER_NAME = 0x0000;
const ALPN = 0x0010;

/** `b` starts at the TLS record header (0x16 0x03 0x0X len16) */
export function parseClientHello(b: Buffer): HelloInfo {
  const info: HelloInfo = {};
  const u16 = (at: number): number => (at + 2 <= b.length ? b.readUInt16BE(at) : -1);
  let p = 5 + 4 + 2 + 32; // record header, handshake header, version, random
  if (b[0] !== 0x16 || b.length < p + 1 || b[5] !== 0x01) return info;
  p += 1 + b[p]!; // session id
  const suites = u16(p);
  if (suites < 0) return info;
  p += 2 + suites;
  if (p >= b.length) return info;
  p += 1 + b[p]!; // compression methods
  const extLen = u16(p);
  if (extLen < 0) return info;
  p += 2;
  const end = Math.min(b.length, p + extLen);
  while (p + 4 <= end) {
    const type = u16(p);
    const len = u16(p + 2);
    p += 4;
    const ext = b.subarray(p, Math.min(b.length, p + len));
    if (type === SERVER_NAME) {
      const sni = serverName(ext);
      if (sni !== undefined) info.sni = sni;
    } else if (type === ALPN) info.alpn = protocols(ext);
    p += len;
  }
  return info;
}

/** server_name: list length (2), name type 0 (1), name length (2), name */
function serverName(ext: Buffer): string | undefined {
  if (ext.length < 5 || ext[2] !== 0) return undefined;
  const n = ext.readUInt16BE(3);
  return 5 + n <= ext.length ? ext.toString('latin1', 5, 5 + n) : undefined;
}

/** ALPN: list length (2), then length-prefixed names */
function protocols(ext: Buffer): string[] {
  const out: string[] = [];
  if (ext.length < 2) return out;
  const end = Math.min(ext.length, 2 + ext.readUInt16BE(0));
  for (let p = 2; p < end; p += 1 + ext[p]!) {
    out.push(ext.toString('latin1', p + 1, Math.min(end, p + 1 + ext[p]!)));
  }
  return out;
}

export function sniOf(b: Buffer): string | undefined {
  return parseClientHello(b).sni;
}
