// A SecretScanner written for the Observer tests: masks the value of every `Authorization:` line
// (to the CR), streaming, with a short carry across chunks so that a name split by a chunk
// boundary is still found. The protocol helpers write the real scanners; this one lets the
// Observer's wiring be tested whether or not the registry has one yet.

import type { Mask, SecretScanner } from '../../src/decoders/decoder.js';
import type { From } from '../../src/events.js';

const NAME = /authorization:[ \t]*/gi;
const CARRY = 24;

export function headerScanner(): SecretScanner & { chunks: number } {
  const st: Record<From, { carry: string; open: number }> = {
    client: { carry: '', open: -1 },
    server: { carry: '', open: -1 },
  };
  const scanner = {
    chunks: 0,
    push(from: From, chunk: Buffer, offset: number): Mask[] {
      scanner.chunks++;
      const s = st[from];
      const text = s.carry + chunk.toString('latin1');
      const base = offset - s.carry.length;
      const masks: Mask[] = [];
      let pos = 0;
      if (s.open >= 0) {
        const cr = text.indexOf('\r');
        if (cr < 0) {
          masks.push({ from, start: s.open, end: Infinity });
          s.carry = '';
          return masks;
        }
        masks.push({ from, start: s.open, end: base + cr });
        s.open = -1;
        pos = cr;
      }
      NAME.lastIndex = pos;
      let m: RegExpExecArray | null;
      while ((m = NAME.exec(text)) !== null) {
        const start = m.index + m[0].length;
        const cr = text.indexOf('\r', start);
        if (cr < 0) {
          s.open = base + start;
          masks.push({ from, start: s.open, end: Infinity });
          s.carry = '';
          return masks;
        }
        masks.push({ from, start: base + start, end: base + cr });
        pos = cr;
        NAME.lastIndex = cr;
      }
      s.carry = text.slice(Math.max(pos, text.length - CARRY));
      return masks;
    },
  };
  return scanner;
}
