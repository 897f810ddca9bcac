// The HTTP/1.1 decoder for TCP mode: passive, both directions, see connection.ts. Message
// builders shared with HTTP mode live in message.ts.

import type { DecoderModule } from '../decoder.js';
import { HttpConnection } from './connection.js';
import { sniffHttp } from './sniff.js';
import { httpSecretScanner } from './fallback-scanner.js';

export const http: DecoderModule = {
  protocol: 'http',
  sniff: sniffHttp,
  create: (options) => new HttpConnection(options),
  scanner: httpSecretScanner,
};

export { requestMessage, responseMessage, upgradeMessage, headerMap } from './message.js';
