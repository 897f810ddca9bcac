// https (TLS from byte 0) on a connection forced to the http decoder: the one 'tls' message,
// with the server name from the ClientHello, then the connection is opaque.

import type { Decoded } from '../decoder.js';

export { looksLikeTls, sniOf } from '../tls-hello.js';

export function tlsMessage(sni: string | undefined): Decoded {
  const hint = 'https: point the client at http:// or use `looptap http` to see requests';
  return {
    from: 'client',
    name: 'tls',
    summary: `TLS ClientHello${sni ? ` for ${sni}` : ''} (${hint})`,
    fields: sni ? { sni, hint } : { hint },
  };
}
