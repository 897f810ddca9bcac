// A WebSocket frame reader for logging (RFC 6455 §5.2), one per direction. It reads copies of
// the bytes http-proxy pipes between the sockets and never changes them. Bounded: a frame
// header is at most 14 bytes, and at most `max` payload bytes of a message are kept (fragments
// are joined; control frames may arrive between fragments and are reported on their own).
//
//   byte 0: FIN RSV1 RSV2 RSV3 opcode(4)   byte 1: MASK len7   [len16 | len64] [mask key(4)]

export type WsKind = 'continuation' | 'text' | 'binary' | 'close' | 'ping' | 'pong' | 'unknown';

const OPCODES: Record<number, WsKind> = {
  0x0: 'continuation',
  0x1: 'text',
  0x2: 'binary',
  0x8: 'close',
  0x9: 'ping',
  0xa: 'pong',
};

export interface WsMessage {
  kind: WsKind;
  /** kept payload bytes, unmasked, at most `max` */
  payload: Buffer;
  /** the real payload length of the whole message */
  length: number;
  /** RSV1 on the first frame: permessage-deflate, the payload is compressed */
  compressed: boolean;
  /** close frames */
  code?: number;
  reason?: string;
}

interface Partial {
  kind: WsKind;
  parts: Buffer[];
  kept: number;
  length: number;
  compressed: boolean;
}

export class WsParser {
  private head = Buffer.alloc(14);
  private headLen = 0;
  private need = 2;
  private remaining = 0;
  private mask?: Buffer;
  private maskPos = 0;
  private frame?: Partial & { fin: boolean; control: boolean };
  private message?: Partial;
  /** set when the bytes stop making sense; the parser then ignores everything */
  failed?: string;

  constructor(private readonly max: number) {}

  push(chunk: Buffer): WsMessage[] {
    const out: WsMessage[] = [];
    let i = 0;
    while (i < chunk.length && !this.failed) {
      if (!this.frame) {
        const take = Math.min(this.need - this.headLen, chunk.length - i);
        chunk.copy(this.head, this.headLen, i, i + take);
        this.headLen += take;
        i += take;
        if (this.headLen === this.need) this.headerStep(out);
        continue;
      }
      const take = Math.min(this.remaining, chunk.length - i);
      this.payload(chunk.subarray(i, i + take));
      i += take;
      this.remaining -= take;
      if (this.remaining === 0) this.endFrame(out);
    }
    return out;
  }

  private headerStep(out: WsMessage[]): void {
    const b1 = this.head[1]!;
    const len7 = b1 & 0x7f;
    const masked = (b1 & 0x80) !== 0;
    const full = 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + (masked ? 4 : 0);
    if (this.need < full) {
      this.need = full;
      return;
    }
    const b0 = this.head[0]!;
    let length = len7;
    let pos = 2;
    if (len7 === 126) {
      length = this.head.readUInt16BE(2);
      pos = 4;
    } else if (len7 === 127) {
      const big = this.head.readBigUInt64BE(2);
      if (big > BigInt(Number.MAX_SAFE_INTEGER)) {
        this.failed = 'impossible frame length';
        return;
      }
      length = Number(big);
      pos = 10;
    }
    this.mask = masked ? Buffer.from(this.head.subarray(pos, pos + 4)) : undefined;
    this.maskPos = 0;
    const kind = OPCODES[b0 & 0x0f] ?? 'unknown';
    const control = (b0 & 0x08) !== 0;
    this.frame = {
      kind,
      fin: (b0 & 0x80) !== 0,
      control,
      parts: [],
      kept: 0,
      length: 0,
      compressed: (b0 & 0x40) !== 0,
    };
    this.headLen = 0;
    this.need = 2;
    this.remaining = length;
    if (length === 0) this.endFrame(out);
  }

  private payload(bytes: Buffer): void {
    const f = this.frame!;
    // data frames add to the message being assembled; control frames stand alone
    const target = f.control || f.kind !== 'continuation' || !this.message ? f : this.message;
    target.length += bytes.length;
    const room = this.max - target.kept;
    if (room <= 0) {
      this.maskPos += bytes.length;
      return;
    }
    const kept = Buffer.from(bytes.subarray(0, room));
    if (this.mask)
      for (let j = 0; j < kept.length; j++) kept[j]! ^= this.mask[(this.maskPos + j) & 3]!;
    this.maskPos += bytes.length;
    target.parts.push(kept);
    target.kept += kept.length;
  }

  private endFrame(out: WsMessage[]): void {
    const f = this.frame!;
    this.frame = undefined;
    if (f.control) {
      out.push(finish(f));
      return;
    }
    if (f.kind !== 'continuation') {
      // a new data message (a missing FIN on the previous one is the peer's problem; report it)
      if (this.message) out.push(finish(this.message));
      this.message = f.fin ? undefined : f;
      if (f.fin) out.push(finish(f));
      return;
    }
    if (f.fin && this.message) {
      out.push(finish(this.message));
      this.message = undefined;
    }
  }
}

function finish(p: Partial): WsMessage {
  const payload = p.parts.length === 1 ? p.parts[0]! : Buffer.concat(p.parts);
  const m: WsMessage = {
    kind: p.kind,
    payload,
    length: p.length,
    compressed: p.compressed,
  };
  if (p.kind === 'close' && payload.length >= 2) {
    m.code = payload.readUInt16BE(0);
    m.reason = payload.subarray(2).toString('utf8');
  }
  return m;
}
