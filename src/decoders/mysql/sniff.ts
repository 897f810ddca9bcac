// Detection: MySQL clients wait for the server, so the server's first bytes decide: a
// HandshakeV10 (`0a` and a version starting with a digit) or an ERR before the greeting (1040
// "Too many connections", 1130 "Host is not allowed"). The greeting alone is enough, so a client
// that sends nothing (a health check) is recognised too.

import type { From } from '../../events.js';
import type { Sniff } from '../decoder.js';

export function sniffMysql(from: From, head: Buffer): Sniff {
  if (from !== 'server') return 'no';
  if (head.length >= 4 && head[3] !== 0) return 'no';
  if (head.length < 5) return 'more';
  const len = head.readUIntLE(0, 3);
  if (head[4] === 0x0a) {
    if (len < 20 || len > 1024) return 'no';
    if (head.length < 6) return 'more';
    return head[5]! >= 0x30 && head[5]! <= 0x39 ? 'yes' : 'no';
  }
  if (head[4] === 0xff) {
    if (len < 3 || len > 1024) return 'no';
    if (head.length < 7) return 'more';
    const code = head.readUInt16LE(5);
    return code >= 1000 && code < 10000 ? 'yes' : 'no';
  }
  return 'no';
}
