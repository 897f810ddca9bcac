// A streaming scan of raw PostgreSQL bytes for the password literals sql-redact.ts finds in
// decoded SQL: `PASSWORD '...'`, `PASSWORD E'...'`, `PASSWORD $tag$...$tag$` (CREATE/ALTER
// ROLE/USER, psql's \password) and `password=...` in conninfo strings (CREATE SUBSCRIPTION,
// dblink). Used where the decoder does not read the bytes: beyond its kept window of a long
// statement, and by the Observer after a fallback. Per direction it keeps a 7-byte tail and a few
// numbers, whatever the chunking; it never throws. A literal's mask starts open-ended at its
// opening quote (so the bytes of later chunks are covered as they arrive) and is closed with the
// same start at its closing quote, or at a NUL (SQL text cannot hold one: the message ended).

import type { Mask, SecretScanner } from '../decoder.js';
import type { From } from '../../events.js';

type Mode =
  | 'seek' // looking for the keyword
  | 'gap' // after `password`: spaces, then a literal, '=' or anything else
  | 'maybeE' // after E: a quote makes an escape literal
  | 'eq' // after `password =`
  | 'lit' // inside '...'
  | 'litQ' // a quote inside '...': closes unless doubled
  | 'esc' // inside E'...'
  | 'escB' // after a backslash in E'...'
  | 'escQ'
  | 'tag' // reading a $tag$
  | 'dollar' // inside $tag$...$tag$
  | 'bare' // conninfo value without quotes
  | 'cq' // conninfo value in quotes (backslash escapes)
  | 'cqB';

interface State {
  mode: Mode;
  tail: string;
  start: number;
  tag: string;
  match: number;
}

const KEYWORD = /(?<![A-Za-z0-9_$])password/gi;
const SPACE = new Set([0x20, 0x09, 0x0a, 0x0d, 0x0c]);
const BARE_END = new Set([0x20, 0x09, 0x0a, 0x0d, 0x27, 0x22, 0x3b, 0x29, 0x2c, 0x00]);
const Q = 0x27;
const isTagChar = (b: number): boolean =>
  (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || b === 0x5f;

export class PgSecretScanner implements SecretScanner {
  private state: Record<From, State> = { client: fresh(), server: fresh() };

  push(from: From, chunk: Buffer, offset: number): Mask[] {
    const masks: Mask[] = [];
    try {
      this.scan(from, chunk, offset, masks);
    } catch {
      // a scanner bug must not take the relay down: mask the rest of this chunk to stay safe
      masks.push({ from, start: offset, end: offset + chunk.length });
    }
    return masks;
  }

  private scan(from: From, chunk: Buffer, offset: number, masks: Mask[]): void {
    const st = this.state[from];
    let i = 0;
    while (i < chunk.length) {
      if (st.mode === 'seek') {
        const at = findKeyword(st, chunk, i);
        if (at < 0) break;
        st.mode = 'gap';
        i = at;
        continue;
      }
      i = step(st, from, chunk, offset, i, masks);
    }
    // the last 7 bytes seen, across chunks shorter than that too
    if (st.mode === 'seek') {
      const end = chunk.toString('latin1', Math.max(0, chunk.length - 7));
      st.tail = (chunk.length >= 7 ? end : st.tail + end).slice(-7);
    } else st.tail = '';
  }
}

function fresh(): State {
  return { mode: 'seek', tail: '', start: 0, tag: '', match: 0 };
}

/** index in `chunk` just after the next `password` at or after `i`, or -1 */
function findKeyword(st: State, chunk: Buffer, i: number): number {
  const prefix = i === 0 ? st.tail : chunk.toString('latin1', Math.max(0, i - 7), i);
  const text = prefix + chunk.toString('latin1', i);
  KEYWORD.lastIndex = 0;
  const m = KEYWORD.exec(text);
  if (!m) return -1;
  return i - prefix.length + m.index + 8;
}

function open(st: State, from: From, pos: number, mode: Mode, masks: Mask[]): void {
  st.start = pos;
  st.mode = mode;
  masks.push({ from, start: pos, end: Infinity });
}

function close(st: State, from: From, end: number, masks: Mask[]): void {
  masks.push({ from, start: st.start, end });
  st.mode = 'seek';
}

/** runs the state machine from chunk[i]; returns where to go on (in seek mode, or at the end) */
// one loop over every byte of the stream: split into functions, each byte would pay for calls
// eslint-disable-next-line max-lines-per-function
function step(st: State, from: From, c: Buffer, offset: number, i: number, masks: Mask[]): number {
  for (; i < c.length; i++) {
    const b = c[i]!;
    const pos = offset + i;
    switch (st.mode) {
      case 'gap':
        if (SPACE.has(b)) break;
        if (b === Q) open(st, from, pos, 'lit', masks);
        else if (b === 0x3d) st.mode = 'eq';
        else if (b === 0x45 || b === 0x65) st.mode = 'maybeE';
        else if (b === 0x24) {
          open(st, from, pos, 'tag', masks);
          st.tag = '';
        } else {
          st.mode = 'seek';
          return i;
        }
        break;
      case 'maybeE':
        if (b !== Q) {
          st.mode = 'seek';
          return i;
        }
        open(st, from, pos, 'esc', masks);
        break;
      case 'eq':
        if (SPACE.has(b)) break;
        if (b === Q) open(st, from, pos, 'cq', masks);
        else if (BARE_END.has(b)) {
          st.mode = 'seek';
          return i;
        } else open(st, from, pos, 'bare', masks);
        break;
      case 'lit':
        if (b === Q) st.mode = 'litQ';
        else if (b === 0) close(st, from, pos, masks);
        break;
      case 'litQ':
        if (b === Q) st.mode = 'lit';
        else {
          close(st, from, pos, masks);
          return i;
        }
        break;
      case 'esc':
        if (b === 0x5c) st.mode = 'escB';
        else if (b === Q) st.mode = 'escQ';
        else if (b === 0) close(st, from, pos, masks);
        break;
      case 'escB':
        if (b === 0) close(st, from, pos, masks);
        else st.mode = 'esc';
        break;
      case 'escQ':
        if (b === Q) st.mode = 'esc';
        else {
          close(st, from, pos, masks);
          return i;
        }
        break;
      case 'tag':
        if (b === 0x24) {
          st.mode = 'dollar';
          st.match = 0;
        } else if (!isTagChar(b) || st.tag.length >= 64) {
          close(st, from, pos, masks); // not a dollar quote after all
          return i;
        } else st.tag += String.fromCharCode(b);
        break;
      case 'dollar': {
        if (b === 0) {
          close(st, from, pos, masks);
          break;
        }
        const want = '$' + st.tag + '$';
        if (b === want.charCodeAt(st.match)) st.match++;
        else st.match = b === 0x24 ? 1 : 0;
        if (st.match === want.length) {
          close(st, from, pos + 1, masks);
          return i + 1;
        }
        break;
      }
      case 'bare':
        if (BARE_END.has(b)) {
          close(st, from, pos, masks);
          return i;
        }
        break;
      case 'cq':
        if (b === 0x5c) st.mode = 'cqB';
        else if (b === Q || b === 0) {
          close(st, from, b === Q ? pos + 1 : pos, masks);
          return i + 1;
        }
        break;
      case 'cqB':
        st.mode = 'cq';
        break;
      case 'seek':
        return i;
    }
  }
  return i;
}
