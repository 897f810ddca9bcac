// Decoders by name. The CLI's --decode choices and auto-detection both come from this table.

import type { DecoderModule } from './decoder.js';
import type { ProtocolName } from '../events.js';
import { postgres } from './postgres/index.js';
import { mysql } from './mysql/index.js';
import { redis } from './redis/index.js';
import { http } from './http/index.js';

export const decoders: Record<ProtocolName, DecoderModule> = { postgres, mysql, redis, http };

export const PROTOCOLS = Object.keys(decoders) as ProtocolName[];

/** The order auto-detection asks in: the most certain signatures first. HTTP before Redis,
 * because Redis's inline commands would match an HTTP request line too. */
export const SNIFF_ORDER: ProtocolName[] = ['postgres', 'mysql', 'http', 'redis'];
