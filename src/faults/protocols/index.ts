// Picks the adapter for a connection: the route's forced decoder, or the same sniffers the
// Observer uses on the first bytes of whichever side speaks first (bounded, like the Observer).

import type { DecodeSetting, From, ProtocolName } from '../../events.js';
import { decoders, SNIFF_ORDER } from '../../decoders/registry.js';
import type { Adapter } from './adapter.js';
import { PostgresAdapter } from './postgres.js';
import { RedisAdapter } from './redis.js';
import { MysqlAdapter } from './mysql.js';
import { HttpAdapter } from './http.js';

const SNIFF_HEAD = 2048;

export function createAdapter(p: ProtocolName): Adapter {
  switch (p) {
    case 'postgres':
      return new PostgresAdapter();
    case 'redis':
      return new RedisAdapter();
    case 'mysql':
      return new MysqlAdapter();
    case 'http':
      return new HttpAdapter();
  }
}

/** feeds the first bytes to the sniffers; `adapter` once known, `done` when detection gave up */
export class Detector {
  adapter: Adapter | undefined;
  done = false;
  private head: { from: From; bytes: Buffer } | undefined;
  /** bytes seen before detection, per side, to replay into the adapter */
  private early: Array<{ from: From; chunk: Buffer }> = [];
  private earlyBytes = 0;

  constructor(decode: DecodeSetting) {
    if (decode === 'raw') this.done = true;
    else if (decode !== 'auto') {
      this.adapter = createAdapter(decode);
      this.done = true;
    }
  }

  /** returns the chunks to replay into a just-created adapter (including this one) */
  see(from: From, chunk: Buffer): Array<{ from: From; chunk: Buffer }> | undefined {
    if (this.done) return undefined;
    this.early.push({ from, chunk });
    this.earlyBytes += chunk.length;
    if (!this.head) this.head = { from, bytes: chunk.subarray(0, SNIFF_HEAD) };
    else if (this.head.from === from && this.head.bytes.length < SNIFF_HEAD) {
      this.head.bytes = Buffer.concat([this.head.bytes, chunk]).subarray(0, SNIFF_HEAD);
    }
    let waiting = false;
    for (const name of SNIFF_ORDER) {
      let verdict;
      try {
        verdict = decoders[name].sniff(this.head.from, this.head.bytes);
      } catch {
        verdict = 'no';
      }
      if (verdict === 'yes') {
        this.adapter = createAdapter(name);
        this.done = true;
        const early = this.early;
        this.early = [];
        return early;
      }
      if (verdict === 'more') waiting = true;
    }
    if (!waiting || this.head.bytes.length >= SNIFF_HEAD || this.earlyBytes > 4 * SNIFF_HEAD) {
      this.done = true;
      this.early = [];
    }
    return undefined;
  }
}
