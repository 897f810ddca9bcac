// The PostgreSQL decoder (frontend/backend protocol 3.0 and 3.2). See docs/decoders/postgres.md.

import type { DecoderModule } from '../decoder.js';
import { PgConnection } from './connection.js';
import { PgSecretScanner } from './secret-scan.js';
import { sniffPostgres } from './sniff.js';

export const postgres: DecoderModule = {
  protocol: 'postgres',
  sniff: (from, head) => {
    try {
      return sniffPostgres(from, head);
    } catch {
      return 'no';
    }
  },
  create: (options) => new PgConnection(options),
  // password literals in bytes no decoder reads (after a fallback; see secret-scan.ts)
  scanner: () => new PgSecretScanner(),
};
