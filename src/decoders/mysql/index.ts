// The `mysql` DecoderModule: detection (sniff.ts), the decoder (decoder.ts) and the streaming
// secret scanner for bytes no decoder reads (scanner.ts). See docs/decoders/mysql.md.

import type { DecoderModule } from '../decoder.js';
import { MysqlDecoder } from './decoder.js';
import { SqlSecretScanner } from './scanner.js';
import { sniffMysql } from './sniff.js';

export { TLS_HINT } from './handshake.js';
export { sniffMysql };

export const mysql: DecoderModule = {
  protocol: 'mysql',
  sniff: (from, head) => {
    try {
      return sniffMysql(from, head);
    } catch {
      return 'no';
    }
  },
  create: (options) => new MysqlDecoder(options),
  scanner: () => new SqlSecretScanner(),
};
