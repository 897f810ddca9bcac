// PLACEHOLDER until the postgres decoder lands: recognises nothing, so connections stay raw.
import type { DecoderModule } from '../decoder.js';
import { NOTHING } from '../decoder.js';

export const postgres: DecoderModule = {
  protocol: 'postgres',
  sniff: () => 'no',
  create: () => ({ protocol: 'postgres', push: () => NOTHING, end: () => NOTHING }),
};
