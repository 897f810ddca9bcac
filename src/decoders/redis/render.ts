// A reply rendered the way redis-cli prints it on a terminal (cliFormatReplyTTY in
// redis-cli.c), so that an exchange reads like the session a developer knows:
//
//   OK   (integer) 3   "hello"   (nil)   (error) ERR unknown command   (empty array)
//   1) "a"            1# "server" => "redis"     1~ "x"
//   2) 1) "nested"
//      2) "array"
//
// Bounded: at most MAX_LINES lines (then `…(N more)`), from the capped RespNode the reader kept.

import type { RespNode } from './resp-node.js';
import { quote, typedScalar } from './format.js';
import { REDACTED } from '../summary-text.js';

const MAX_LINES = 100;

const EMPTY: Record<string, string> = {
  '*': '(empty array)',
  '~': '(empty set)',
  '>': '(empty push)',
  '%': '(empty hash)',
  '|': '(empty hash)',
};

/** `"..."` as redis-cli quotes a bulk string (sdscatrepr), the size of a cut one after it */
function repr(text: string, binary = false): string {
  const m = /…\((\d+) bytes\)$/.exec(text);
  if (!m) return quote(text, binary);
  return `${quote(text.slice(0, m.index), binary)}…(${m[1]} bytes)`;
}

export function renderReply(n: RespNode): string {
  if (!n.items) return scalar(n); // most replies: no lines to build
  const out: string[] = [];
  render(n, '', out, { left: MAX_LINES });
  return out.join('\n');
}

interface Budget {
  left: number;
}

function scalar(n: RespNode): string {
  const typed = typedScalar(n);
  if (typed !== undefined) return typed;
  switch (n.k) {
    case '+':
      return n.text ?? '';
    case '-':
    case '!':
      return `(error) ${n.text ?? ''}`;
    case '_':
      return '(nil)';
    default:
      return n.secret ? REDACTED : repr(n.text ?? '', n.binary);
  }
}

/** appends the lines of `n`; the first line has no prefix (the caller wrote the index) */
function render(n: RespNode, prefix: string, out: string[], b: Budget): void {
  if (!n.items) {
    pushLine(out, scalar(n), b);
    return;
  }
  const items = n.items;
  if (items.length === 0 && !n.truncated) {
    pushLine(out, EMPTY[n.k] ?? '(empty array)', b);
    return;
  }
  const map = n.k === '%' || n.k === '|';
  const count = map ? Math.ceil(items.length / 2) : items.length;
  const width = String(n.len ?? count).length;
  const mark = map ? '#' : n.k === '~' ? '~' : ')';
  const pad = ' '.repeat(width + 2);
  let i = 0;
  for (; i < count && b.left > 0; i++) {
    const lead = (i === 0 ? '' : prefix) + `${String(i + 1).padStart(width)}${mark} `;
    const start = out.length;
    if (map) {
      const key = items[2 * i]!;
      const value = items[2 * i + 1];
      const keyText = key.items ? '(aggregate key)' : scalar(key);
      const sub: string[] = [];
      if (value) render(value, prefix + pad + ' '.repeat(keyText.length + 4), sub, b);
      out.push(lead + keyText + ' => ' + (sub[0] ?? ''), ...sub.slice(1));
    } else {
      render(items[i]!, prefix + pad, out, b);
      out[start] = lead + (out[start] ?? '');
    }
  }
  const all = n.len ?? count;
  if (i < all) out.push(`${prefix}…(${all} in all)`);
}

function pushLine(out: string[], line: string, b: Budget): void {
  b.left--;
  out.push(line);
}
