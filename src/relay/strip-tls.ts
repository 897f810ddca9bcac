// --strip-tls: opt-in, for local debugging only. Makes sslmode=prefer clients talk in plain text
// so their queries can be read: PostgreSQL's SSLRequest is answered 'N' by looptap itself, and
// MySQL's greeting loses its SSL capability bit. Clients that require TLS then fail, loudly.
// Both run on every connection: each acts only on its own protocol's opening bytes and passes
// everything else through untouched.

import type { Interceptor } from './interceptor.js';
import { createPostgresStripTls } from './strip-tls-postgres.js';
import { createMysqlStripTls } from './strip-tls-mysql.js';

export function stripTlsInterceptors(): Interceptor[] {
  return [createPostgresStripTls(), createMysqlStripTls()];
}
