// `looptap export FILE --format pcap --out OUT`: a capture as a classic pcap that Wireshark and
// tshark open and dissect (docs/export-pcap.md). Each looptap connection becomes one TCP stream
// between its real client and target addresses (tcp-streams.ts):
//
//   open  ──▶ SYN, SYN-ACK, ACK              (at the open event's time)
//   data  ──▶ PSH-ACK segments of <= 65,495 B (seq = ISN + 1 + the chunk's byte offset)
//   end   ──▶ FIN-ACK from that side
//   close ──▶ RST from the side that reset (*_reset, connect_*), or the last FIN's ACK
//
// Sequence numbers come from the capture's byte offsets, so a gap or a --max-payload cut shows
// in Wireshark as "previous segment not captured" instead of bytes glued to the wrong place.
// An HTTP-mode capture has no `data` events: its request and response messages are written as
// HTTP/1.1 bytes (http-bytes.ts) in the same streams. A capture with no payload at all exports
// nothing and says so (exit 2) rather than write a file of empty handshakes.

import fs from 'node:fs';
import type { Writable } from 'node:stream';
import type { CaptureEvent } from '../events.js';
import { resetIpId } from './packet.js';
import { usageError } from '../util/errors.js';
import type { ExportFormat } from './formats.js';
import { globalHeader, pcapWriteError, PcapWriter } from './pcap-writer.js';
import { TcpStreams } from './tcp-streams.js';

export async function writePcap(
  events: AsyncIterable<CaptureEvent>,
  out: string,
): Promise<{ packets: number }> {
  const file = await openOut(out);
  resetIpId();
  const w = new PcapWriter(file, out);
  await w.raw(globalHeader());
  const streams = new TcpStreams(w);
  for await (const e of events) await streams.add(e);
  await w.end();
  if (streams.payloads === 0) {
    // an empty export is no export: say what was missing instead of a file of handshakes
    if (out !== '-') fs.rmSync(out, { force: true });
    throw usageError(
      'NOTHING_TO_EXPORT',
      'the capture holds no payload bytes to export (no data events and no HTTP messages): nothing was written',
    );
  }
  return { packets: w.packets };
}

async function openOut(out: string): Promise<Writable> {
  // `looptap export c.jsonl --format pcap --out - | wireshark -k -i -`
  if (out === '-') return process.stdout;
  const f = fs.createWriteStream(out, { flags: 'w', mode: 0o600 });
  await new Promise<void>((resolve, reject) => {
    f.once('open', () => resolve());
    f.once('error', (e: NodeJS.ErrnoException) => reject(pcapWriteError(out, e)));
  });
  // the pcap holds the same payloads as the capture: same 0600 as the capture itself
  fs.chmodSync(out, 0o600);
  return f;
}

/** the `looptap export --format pcap` entry (src/export/formats.ts) */
export const pcap: ExportFormat = {
  name: 'pcap',
  async write(events, out) {
    const { packets } = await writePcap(events, out);
    return `${packets} packets`;
  },
};
