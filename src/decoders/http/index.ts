// The HTTP/1.1 decoder for TCP mode: passive, both directions, see connection.ts. Message
// builders shared with HTTP mode live in message.ts.

import type { DecoderModule } from '../decoder.js';
import { HttpConnection } from './connection.js';
import { sniffHttp } from './sniff.js';

export const http: DecoderModule = {
  protocol: 'http',
  sniff: sniffHttp,
  create: (options) => new HttpConnection(options),
};

export { requestMessage, responseMessage, upgradeMessage, headerMap } from './message.js';
