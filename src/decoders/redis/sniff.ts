// Is this connection Redis? Clients speak first: `*<digits>\r\n$` (RESP multibulk) is near
// certain; an inline line whose first word is a Redis command is taken too, unless it is an HTTP
// request line (`GET / HTTP/1.1` starts with the Redis command GET), hence the wait for the
// whole first line. Words that are also plain English need their Redis shape: HELLO takes a
// protocol version or nothing (`hello there` is a person typing, not RESP3).

import type { From } from '../../events.js';
import type { Sniff } from '../decoder.js';
import { INLINE_COMMANDS } from './command-names.js';

const STAR = 0x2a;
const CR = 0x0d;
const LF = 0x0a;
/** how long a first inline line may get before we stop waiting for its end */
const LINE_WAIT = 4096;

export function sniffRedis(from: From, head: Buffer): Sniff {
  if (from !== 'client') return 'no';
  if (head.length === 0) return 'more';
  if (head[0] === STAR) return sniffMultibulk(head);
  let i = 0;
  while (i < head.length && isWordByte(head[i]!)) i++;
  if (i === head.length) return i > 24 ? 'no' : 'more';
  const sep = head[i]!;
  if (i === 0 || (sep !== 0x20 && sep !== 0x09 && sep !== CR && sep !== LF)) return 'no';
  if (!INLINE_COMMANDS.has(head.toString('latin1', 0, i).toLowerCase())) return 'no';
  const lf = head.indexOf(LF);
  if (lf < 0) return head.length > LINE_WAIT ? 'yes' : 'more';
  const line = head.toString('latin1', 0, lf).replace(/\r$/, '');
  if (/ HTTP\/\d(\.\d)?$/.test(line)) return 'no';
  const rest = line.slice(i).trim();
  const shape = SHAPES[head.toString('latin1', 0, i).toLowerCase()];
  return shape && !shape.test(rest) ? 'no' : 'yes';
}

/** what may follow these words on a Redis inline line: their arity, where they are also words a
 * person types on a line protocol (`hello there`, `ping me`, `quit now`) */
const NONE = /^$/;
const SHAPES: Record<string, RegExp> = {
  hello: /^(\d+(\s.*)?)?$/,
  ping: /^(\S+)?$/,
  select: /^\d+$/,
  type: /^\S+$/,
  quit: NONE,
  exec: NONE,
  multi: NONE,
  discard: NONE,
  time: NONE,
  monitor: NONE,
  role: NONE,
  save: NONE,
  dbsize: NONE,
};

function isWordByte(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f;
}

function sniffMultibulk(head: Buffer): Sniff {
  let i = 1;
  while (i < head.length && head[i]! >= 0x30 && head[i]! <= 0x39) i++;
  if (i > 11) return 'no';
  const want = [CR, LF, 0x24]; // \r \n $
  if (i === 1) return head.length === 1 ? 'more' : 'no';
  for (let k = 0; k < want.length; k++) {
    if (i + k >= head.length) return 'more';
    if (head[i + k] !== want[k]) return 'no';
  }
  return 'yes';
}
