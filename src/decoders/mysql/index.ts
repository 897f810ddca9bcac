// PLACEHOLDER until the mysql decoder lands: recognises nothing, so connections stay raw.
import type { DecoderModule } from '../decoder.js';
import { NOTHING } from '../decoder.js';

export const mysql: DecoderModule = {
  protocol: 'mysql',
  sniff: () => 'no',
  create: () => ({ protocol: 'mysql', push: () => NOTHING, end: () => NOTHING }),
};
