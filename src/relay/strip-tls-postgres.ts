// Opt-in --strip-tls for PostgreSQL: answers the client's SSLRequest / GSSENCRequest with 'N'
// itself and does not forward it, so an sslmode=prefer (gssencmode=prefer) client goes on in
// plain text and the decoder can read the session. sslmode=require clients then fail, loudly,
// which is right. Pure: the relay writes `forward` to the server and `reply` back to the client.
//
//   client ─▶ [SSLRequest? hold ≤ 8 bytes] ─┬─ request: reply 'N', drop it ─▶ (next request...)
//                                          └─ anything else: forward, pass through from then on

/** 00000008 04d2162f (SSLRequest) and 00000008 04d21630 (GSSENCRequest) */
const SSL = Buffer.from('0000000804d2162f', 'hex');
const GSS = Buffer.from('0000000804d21630', 'hex');
const NO = Buffer.from('N');
const EMPTY = Buffer.alloc(0);

export interface PostgresStripTls {
  client(chunk: Buffer): { forward: Buffer; reply?: Buffer };
  server(chunk: Buffer): { forward: Buffer };
}

function prefixOfRequest(b: Buffer): boolean {
  const n = Math.min(b.length, 8);
  return b.subarray(0, n).equals(SSL.subarray(0, n)) || b.subarray(0, n).equals(GSS.subarray(0, n));
}

export function createPostgresStripTls(): PostgresStripTls {
  let passing = false;
  let held: Buffer = EMPTY;
  return {
    client(chunk) {
      if (passing) return { forward: chunk };
      let buf = held.length === 0 ? chunk : Buffer.concat([held, chunk]);
      held = EMPTY;
      let replies = 0;
      // libpq may send GSSENCRequest, get 'N', then send SSLRequest: answer each
      while (buf.length >= 8 && prefixOfRequest(buf)) {
        replies++;
        buf = buf.subarray(8);
      }
      if (buf.length > 0 && buf.length < 8 && prefixOfRequest(buf)) {
        held = Buffer.from(buf); // wait for the rest of a possible request
        buf = EMPTY;
      } else if (buf.length > 0) {
        passing = true;
      }
      const reply = replies > 0 ? Buffer.alloc(replies, NO[0]) : undefined;
      return reply ? { forward: buf, reply } : { forward: buf };
    },
    server(chunk) {
      return { forward: chunk };
    },
  };
}
