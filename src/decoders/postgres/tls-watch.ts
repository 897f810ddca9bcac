// After the server answered 'S' (or the client opened with a TLS record), waits for the
// ClientHello to read its SNI/ALPN, then yields the connection's one 'tls' message. It gives up
// waiting (and reports without SNI) when the server speaks first, a side ends, or the record is
// not a plausible ClientHello. GSSAPI encryption has nothing to read and reports at once.

import type { Decoded } from '../decoder.js';
import type { ByteQueue } from '../byte-queue.js';
import type { From } from '../../events.js';
import { parseClientHello } from '../tls-hello.js';

/** a TLS record carries at most 16 KiB plus some expansion */
const MAX_RECORD = 16384 + 2048;

export class TlsWatch {
  constructor(private readonly via: string) {}

  check(client: ByteQueue, from: From, ended: boolean): Decoded | null {
    if (this.via === 'GSSENCRequest') {
      return {
        from: 'server',
        name: 'gssenc',
        summary:
          'GSSAPI encryption: traffic is encrypted; connect with gssencmode=disable to see queries',
        fields: { via: this.via },
      };
    }
    const give = ended || from === 'server';
    let info = {};
    if (client.length >= 5) {
      const len = (client.at(3) << 8) | client.at(4);
      const plausible = client.at(0) === 0x16 && len <= MAX_RECORD;
      if (plausible && client.length >= 5 + len) info = parseClientHello(client.peek(5 + len));
      else if (plausible && !give) return null;
    } else if (!give) return null;
    const fields: Record<string, unknown> = { via: this.via, ...info };
    const sni = typeof fields.sni === 'string' ? ` (SNI ${fields.sni})` : '';
    return {
      from: 'client',
      name: 'tls',
      summary:
        `TLS${sni}: queries are encrypted; use sslmode=disable, or looptap --strip-tls ` +
        'for sslmode=prefer clients, to see them',
      fields,
    };
  }
}
