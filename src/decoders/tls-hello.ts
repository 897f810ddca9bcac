// The server name (SNI) from a TLS ClientHello, for the one 'tls' message a connection gets
// before it turns opaque (https, rediss://: TLS from byte 0). Best effort: any surprise gives no
// name. RFC 8446 4.1.2 (ClientHello), RFC 6066 3 (server_name). Shared by the decoders.

/** TLS record header: handshake (0x16), major version 3 */
export function looksLikeTls(first: number, second: number): boolean {
  return first === 0x16 && second === 0x03;
}

export function sniOf(b: Buffer): string | undefined {
  let p = 5 + 4 + 2 + 32; // record header, handshake header, version, random
  if (b.length < p + 1 || b[5] !== 0x01) return undefined;
  const u16 = (at: number): number => (at + 2 <= b.length ? b.readUInt16BE(at) : -1);
  p += 1 + b[p]!; // session id
  const suites = u16(p);
  if (suites < 0) return undefined;
  p += 2 + suites;
  if (p >= b.length) return undefined;
  p += 1 + b[p]!; // compression methods
  const extLen = u16(p);
  if (extLen < 0) return undefined;
  p += 2;
  const end = Math.min(b.length, p + extLen);
  while (p + 4 <= end) {
    const type = u16(p);
    const len = u16(p + 2);
    p += 4;
    // server_name: list length (2), name type 0 (1), name length (2), name
    if (type === 0 && p + 5 <= end && b[p + 2] === 0) {
      const n = u16(p + 3);
      if (n < 0 || p + 5 + n > b.length) return undefined;
      return b.toString('latin1', p + 5, p + 5 + n);
    }
    p += len;
  }
  return undefined;
}
