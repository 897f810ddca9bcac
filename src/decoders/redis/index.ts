// PLACEHOLDER until the redis decoder lands: recognises nothing, so connections stay raw.
import type { DecoderModule } from '../decoder.js';
import { NOTHING } from '../decoder.js';

export const redis: DecoderModule = {
  protocol: 'redis',
  sniff: () => 'no',
  create: () => ({ protocol: 'redis', push: () => NOTHING, end: () => NOTHING }),
};
