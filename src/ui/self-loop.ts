// Is this UI connection coming from looptap itself? A proxy route whose target is the UI (the
// mitmweb SSRF: a client of the proxy reaching the UI through it) connects from a socket this
// very process owns. On Linux the kernel says so: the peer's address is a local socket in
// /proc/net/tcp{,6} whose inode is one of /proc/self/fd. Elsewhere this answers false and the
// Host check and the start-time target check stand alone.

import fs from 'node:fs/promises';
import type net from 'node:net';

export async function fromThisProcess(socket: net.Socket): Promise<boolean> {
  if (process.platform !== 'linux') return false;
  const peer = socket.remoteAddress;
  const peerPort = socket.remotePort;
  const local = socket.localAddress;
  const localPort = socket.localPort;
  if (!peer || !peerPort || !local || !localPort) return false;
  const want = `${procAddress(peer)}:${hex4(peerPort)} ${procAddress(local)}:${hex4(localPort)}`;
  let inode: string | undefined;
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = await fs.readFile(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n')) {
      const f = line.trim().split(/\s+/);
      if (f.length > 9 && `${f[1]} ${f[2]}`.toUpperCase() === want) inode = f[9];
    }
    if (inode) break;
  }
  if (!inode || inode === '0') return false;
  const link = `socket:[${inode}]`;
  let fds: string[];
  try {
    fds = await fs.readdir('/proc/self/fd');
  } catch {
    return false;
  }
  for (const fd of fds) {
    try {
      if ((await fs.readlink(`/proc/self/fd/${fd}`)) === link) return true;
    } catch {
      // closed meanwhile
    }
  }
  return false;
}

const hex4 = (port: number): string => port.toString(16).toUpperCase().padStart(4, '0');

/** an address as /proc/net/tcp writes it: the 32-bit words in host (little-endian) order */
function procAddress(ip: string): string {
  const v4 = /^(?:::ffff:)?(\d+)\.(\d+)\.(\d+)\.(\d+)$/i.exec(ip);
  if (v4 && !ip.includes('::ffff:')) {
    return v4
      .slice(1, 5)
      .reverse()
      .map((n) => Number(n).toString(16).toUpperCase().padStart(2, '0'))
      .join('');
  }
  const words = expand6(v4 ? `::ffff:${v4.slice(1, 5).join('.')}` : ip);
  return words
    .map((w) => w.match(/../g)!.reverse().join(''))
    .join('')
    .toUpperCase();
}

/** IPv6 as four 32-bit words of 8 hex digits each (big-endian text) */
function expand6(ip: string): string[] {
  let text = ip;
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (tail) {
    const b = tail[1]!.split('.').map(Number);
    text = text.replace(
      tail[1]!,
      `${((b[0]! << 8) | b[1]!).toString(16)}:${((b[2]! << 8) | b[3]!).toString(16)}`,
    );
  }
  const [head, rest] = text.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const r = rest !== undefined && rest !== '' ? rest.split(':') : [];
  const groups = [...h, ...Array<string>(8 - h.length - r.length).fill('0'), ...r].map(
    (g: string) => g.padStart(4, '0'),
  );
  const words: string[] = [];
  for (let i = 0; i < 8; i += 2) words.push(groups[i]! + groups[i + 1]!);
  return words;
}
