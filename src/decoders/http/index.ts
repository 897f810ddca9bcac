// PLACEHOLDER until the http decoder lands: recognises nothing, so connections stay raw.
import type { DecoderModule } from '../decoder.js';
import { NOTHING } from '../decoder.js';

export const http: DecoderModule = {
  protocol: 'http',
  sniff: () => 'no',
  create: () => ({ protocol: 'http', push: () => NOTHING, end: () => NOTHING }),
};
