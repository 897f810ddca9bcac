// --strip-tls for MySQL/MariaDB: clears CLIENT_SSL (0x0800) in the lower capability word of the
// server's greeting (HandshakeV10), so that a client with ssl-mode=PREFERRED carries on in plain
// text. Same length, nothing buffered: each chunk is forwarded at once, and only the one byte that
// holds the bit is changed (in a copy), wherever the chunk borders fall. Everything else, the
// client's bytes included, passes unchanged. Clients that require TLS then fail, loudly.
//
//   greeting: int<3> len | seq | 0x0a | version NUL | int<4> thread | 8 scramble | 00 | caps_lo ...
//                                                                                      ^ byte 2 of
//   caps_lo (bits 8..15) holds 0x08 = CLIENT_SSL >> 8

const CLIENT_SSL_HIGH_BYTE = 0x08;

export interface MysqlStripTls {
  client(chunk: Buffer): { forward: Buffer; reply?: Buffer };
  server(chunk: Buffer): { forward: Buffer };
}

export function createMysqlStripTls(): MysqlStripTls {
  /** bytes of the server stream seen so far */
  let offset = 0;
  /** absolute offset of the byte to change, once known; -1 when done (or not a greeting) */
  let target: number | undefined;
  let done = false;

  /** looks at server byte `b` at absolute position `pos` until the target offset is known */
  const learn = (pos: number, b: number): void => {
    if (pos === 3 && b !== 0) done = true; // greeting has seq 0
    if (pos === 4 && b !== 0x0a) done = true; // not HandshakeV10 (ERR, or something else)
    if (pos > 4 && b === 0 && target === undefined) {
      // end of the version string: thread id (4), scramble (8), filler (1), caps_lo (2)
      target = pos + 1 + 4 + 8 + 1 + 1;
    }
    if (pos > 4 + 256 && target === undefined) done = true; // no version string terminator
  };

  return {
    client(chunk) {
      // MySQL servers speak first; when the client does, this is another protocol: never touch it
      if (offset === 0 && chunk.length > 0) done = true;
      return { forward: chunk };
    },
    server(chunk) {
      if (done) return { forward: chunk };
      const start = offset;
      offset += chunk.length;
      let out = chunk;
      for (let i = 0; i < chunk.length && !done; i++) {
        const pos = start + i;
        if (target === undefined) {
          learn(pos, chunk[i]!);
          continue;
        }
        if (pos < target) {
          i = target - start - 1; // jump to the target byte
          continue;
        }
        if (pos === target) {
          if (chunk[i]! & CLIENT_SSL_HIGH_BYTE) {
            out = Buffer.from(chunk);
            out[i] = chunk[i]! & ~CLIENT_SSL_HIGH_BYTE;
          }
          done = true;
        }
      }
      return { forward: out };
    },
  };
}
