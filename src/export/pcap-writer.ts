// The pcap file itself (classic libpcap format, LINKTYPE_RAW): the global header, one record
// per packet with microsecond times kept in order, and write errors turned into one clear line.

import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { buildPacket } from './packet.js';
import { LooptapError } from '../util/errors.js';

const LINKTYPE_RAW = 101;
const SNAPLEN = 262144;

export function globalHeader(): Buffer {
  const h = Buffer.alloc(24);
  h.writeUInt32LE(0xa1b2c3d4, 0); // microsecond timestamps
  h.writeUInt16LE(2, 4);
  h.writeUInt16LE(4, 6);
  h.writeInt32LE(0, 8);
  h.writeUInt32LE(0, 12);
  h.writeUInt32LE(SNAPLEN, 16);
  h.writeUInt32LE(LINKTYPE_RAW, 20);
  return h;
}

export class PcapWriter {
  packets = 0;
  private lastUs = 0;
  private failure?: Error;

  constructor(
    private readonly file: Writable,
    out: string,
  ) {
    file.on('error', (e: NodeJS.ErrnoException) => {
      this.failure = pcapWriteError(out, e);
      file.emit('drain');
    });
  }

  /** a write error (ENOSPC...) arrives as an event; it is thrown at the next write */
  private check(): void {
    const f = this.failure;
    if (f) throw f;
  }

  async raw(b: Buffer): Promise<void> {
    this.check();
    if (!this.file.write(b)) await once(this.file, 'drain');
    this.check();
  }

  async packet(timeMs: number, seg: Parameters<typeof buildPacket>[0]): Promise<void> {
    const p = buildPacket(seg);
    // captures have ms times; keep packets in order within a ms so Wireshark's view is stable
    const us = Math.max(Math.round(timeMs * 1000), this.lastUs + 1);
    this.lastUs = us;
    const rec = Buffer.alloc(16);
    rec.writeUInt32LE(Math.floor(us / 1e6), 0);
    rec.writeUInt32LE(us % 1e6, 4);
    rec.writeUInt32LE(p.length, 8);
    rec.writeUInt32LE(p.length, 12);
    this.packets++;
    await this.raw(Buffer.concat([rec, p]));
  }

  async end(): Promise<void> {
    this.check();
    // stdout is not ours to end
    if (this.file === process.stdout)
      await new Promise<void>((r) => this.file.write('', () => r()));
    else await new Promise<void>((resolve) => this.file.end(() => resolve()));
    this.check();
  }
}

export function pcapWriteError(out: string, err: NodeJS.ErrnoException): LooptapError {
  const why =
    err.code === 'ENOENT'
      ? 'its directory does not exist'
      : err.code === 'EISDIR'
        ? 'it is a directory; give a file name'
        : err.code === 'EACCES'
          ? 'permission denied; pick a path you can write'
          : `${err.code ?? ''} ${err.message}`;
  return new LooptapError(err.code ?? 'PCAP_WRITE', `cannot write pcap ${out}: ${why}`);
}
