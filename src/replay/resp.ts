// Redis answers for replay, read with the decoder's own RESP reader (one parser for the relay
// and for replay): bytes go in as they come, whole top-level values come out with the exact
// bytes they took, so that a value the reader had to cut (past its caps) is still compared in
// full by digest.

import { createHash } from 'node:crypto';
import { ByteQueue } from '../decoders/byte-queue.js';
import { RespReader, type RespNode, type SecretChild } from '../decoders/redis/resp.js';
import { replyJson } from '../decoders/redis/format.js';

/** bytes of one value kept for display and comparison; the rest is compared by digest */
const KEEP = 1024 * 1024;

export interface Reply {
  node: RespNode;
  /** the comparable form (decoder's replyJson: errors {error}, maps objects, binary \xHH) */
  value: unknown;
  /** sha256 of the value's bytes when the reader cut it, else undefined */
  digest?: string;
  push: boolean;
}

export class RespStream {
  private readonly q = new ByteQueue();
  private readonly reader: RespReader;
  /** bytes fed since `base` (the start of the value being read) */
  private raw: Buffer[] = [];
  private base = 0;
  failed: string | undefined;

  constructor() {
    this.reader = new RespReader(this.q, KEEP, () => {});
  }

  /** decides which bulk children are secrets for the next value (CONFIG GET replies) */
  set secretChild(f: SecretChild | undefined) {
    this.reader.secretChild = f;
  }

  feed(b: Buffer): void {
    if (b.length === 0) return;
    this.q.push(b);
    this.raw.push(b);
  }

  /** the next whole value, or undefined until more bytes come (or the stream is not RESP) */
  next(): Reply | undefined {
    const node = this.reader.next();
    this.failed = this.reader.failed;
    if (!node) return undefined;
    const end = this.q.offset;
    const cut = this.reader.lastCut;
    const all = this.raw.length === 1 ? this.raw[0]! : Buffer.concat(this.raw);
    const bytes = all.subarray(0, end - this.base);
    this.raw = all.length > bytes.length ? [all.subarray(bytes.length)] : [];
    this.base = end;
    const reply: Reply = { node, value: replyJson(node), push: node.k === '>' };
    if (cut) reply.digest = createHash('sha256').update(bytes).digest('hex').slice(0, 16);
    return reply;
  }
}
