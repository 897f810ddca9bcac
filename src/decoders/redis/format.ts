// Turning RESP bytes and values into text people read: arguments as redis-cli would quote them,
// binary as \xHH escapes, replies as a compact summary (`OK`, `(integer) 3`, `array(10)`) and a
// capped JSON form. Nothing here sees more than the bytes a reader decided to keep.
//
// A shown string is either plain text or showBytes' escape form, and the two cannot be told apart
// from the string (`\xff` may be four typed characters). So whoever calls showBytes keeps the
// `binary` mark beside the text, and quoting escapes plain text but not binary a second time.

import { isUtf8 } from 'node:buffer';
import type { ParsedCommand } from './command-args.js';
import type { RespNode } from './resp-node.js';
import { REDACTED, oneLine } from '../summary-text.js';

/** longest argument or string shown inside a summary line */
const SUMMARY_ARG = 64;

/** kept bytes as a JSON-safe string: UTF-8 text as is, otherwise \xHH escapes; `size` is the
 * full length on the wire (more than kept when the value was cut) */
export function showBytes(b: Buffer, size = b.length, plain = isPlainText(b)): string {
  let text: string;
  if (plain) text = b.toString('utf8');
  else text = escapeBytes(b);
  if (size > b.length) text += `…(${size} bytes)`;
  return text;
}

/** printable UTF-8, which showBytes shows as it is (else it is binary, shown escaped) */
export function isPlainText(b: Buffer): boolean {
  let high = false;
  for (let i = 0; i < b.length; i++) {
    const c = b[i]!;
    if ((c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) || c === 0x7f) return false;
    if (c > 0x7f) high = true;
  }
  return !high || isUtf8(b);
}

function escapeBytes(b: Buffer): string {
  let s = '';
  for (let i = 0; i < b.length; i++) {
    const c = b[i]!;
    if (c === 0x5c) s += '\\\\';
    else if (c >= 0x20 && c < 0x7f) s += String.fromCharCode(c);
    else if (c === 0x0a) s += '\\n';
    else if (c === 0x0d) s += '\\r';
    else if (c === 0x09) s += '\\t';
    else s += '\\x' + c.toString(16).padStart(2, '0');
  }
  return s;
}

/** one argument for a summary line: bare when simple, else "quoted" with escapes (redis-cli);
 * `binary`: `s` is showBytes' escape form */
export function quoteArg(s: string, binary = false): string {
  if (s === REDACTED) return s;
  const [body, size] = cut(s, binary);
  // binary is never bare: it was escaped because it holds a byte a bare word cannot
  const bare = !binary && s !== '' && /^[!#-&(-[\]-~\u0080-\uffff]+$/.test(body);
  return (bare ? body : quote(body, binary)) + size;
}

/** always "quoted", as redis-cli shows a bulk string reply */
export function quoted(s: string, binary = false): string {
  const [body, size] = cut(s, binary);
  if (!size) return quote(body, binary);
  return quote(body + '…', binary) + (size.length > 1 ? ' ' + size.slice(1) : '');
}

/** `"s"` with redis-cli's escapes (sdscatrepr), each applied once: showBytes already wrote
 * binary's `\\`, `\n`, `\r`, `\t` and `\xHH`, and left only its `"` as it was */
export function quote(s: string, binary: boolean): string {
  return '"' + s.replace(binary ? /"/g : /["\\\n\r\t]/g, (c) => ESC[c] ?? c) + '"';
}

/** the first SUMMARY_ARG characters and, when cut, `…` plus the size showBytes noted */
function cut(s: string, binary: boolean): [string, string] {
  const m = /…\((\d+) bytes\)$/.exec(s);
  const body = m ? s.slice(0, m.index) : s;
  if (body.length <= SUMMARY_ARG && !m) return [body, ''];
  const end = binary ? escapeBoundary(body, SUMMARY_ARG) : SUMMARY_ARG;
  return [body.slice(0, end), '…' + (m ? `(${m[1]} bytes)` : '')];
}

/** at most `max` characters of escaped text, without splitting a `\xHH` or `\\` in two */
function escapeBoundary(s: string, max: number): number {
  let i = 0;
  while (i < s.length) {
    const step = s[i] !== '\\' ? 1 : s[i + 1] === 'x' ? 4 : 2;
    if (i + step > max) break;
    i += step;
  }
  return i;
}
const ESC: Record<string, string> = {
  '"': '\\"',
  '\\': '\\\\',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
};

/** command names that take a subcommand, shown upper-case in summaries */
const CONTAINERS = new Set(['acl', 'client', 'cluster', 'command', 'config', 'function']);
const CONTAINERS2 = new Set(['latency', 'memory', 'module', 'object', 'script', 'xinfo', 'xgroup']);

export function commandSummary(cmd: ParsedCommand): string {
  const { args, argc, binary } = cmd;
  const parts = args.map((a, i) => {
    if (i === 0) return a.toUpperCase();
    const first = args[0]!.toLowerCase();
    if (i === 1 && (CONTAINERS.has(first) || CONTAINERS2.has(first))) return a.toUpperCase();
    return quoteArg(a, binary?.has(i));
  });
  if (argc > args.length) parts.push(`…(${argc - args.length} more)`);
  return oneLine(parts.join(' '));
}

const AGG_NAME: Record<string, string> = { '*': 'array', '%': 'map', '~': 'set', '>': 'push' };

/** numbers and booleans as redis-cli prints them, in the frame summary and the rendered reply */
export function typedScalar(n: RespNode): string | undefined {
  switch (n.k) {
    case ':':
      return `(integer) ${n.text}`;
    case ',':
      return `(double) ${n.text}`;
    case '(':
      return `(big number) ${n.text}`;
    case '#':
      return n.text === 't' ? '(true)' : '(false)';
    default:
      return undefined;
  }
}

/** the reply line people read: OK, (integer) 3, "hello", array(10), map(7), nil, error text */
export function replySummary(n: RespNode): string {
  const typed = typedScalar(n);
  if (typed !== undefined) return typed;
  switch (n.k) {
    case '+':
    case '-':
    case '!':
      return oneLine(n.text ?? '');
    case '_':
      return 'nil';
    case '$':
    case '=':
      if (n.secret) return REDACTED;
      return oneLine(quoted(n.text ?? '', n.binary));
    default:
      return `${AGG_NAME[n.k] ?? n.k}(${n.len ?? 0})`;
  }
}

/** a push in one line: `message news "hi there"` when its items are scalars */
export function pushSummary(n: RespNode): string {
  const items = n.items ?? [];
  if (items.every((i) => !i.items)) {
    const parts = items.map((i, idx) =>
      idx === 0 ? (i.text ?? '') : i.k === '_' ? 'nil' : quoteArg(i.text ?? '', i.binary),
    );
    if ((n.len ?? 0) > items.length) parts.push('…');
    return oneLine(parts.join(' '));
  }
  return replySummary(n);
}

/** a JSON-safe form of a reply, already capped by what the reader kept */
export function replyJson(n: RespNode): unknown {
  switch (n.k) {
    case '+':
    case '(':
      return n.text;
    case '-':
    case '!':
      return { error: n.text };
    case ':': {
      const v = Number(n.text);
      return Number.isSafeInteger(v) ? v : n.text;
    }
    case ',': {
      const v = Number(n.text);
      return Number.isFinite(v) ? v : n.text;
    }
    case '#':
      return n.text === 't';
    case '_':
      return null;
    case '$':
    case '=':
      return n.secret ? REDACTED : n.text;
    case '%':
    case '|': {
      const items = n.items ?? [];
      const obj: Record<string, unknown> = {};
      for (let i = 0; i + 1 < items.length; i += 2) {
        const key = items[i]!;
        obj[key.items ? JSON.stringify(replyJson(key)) : String(key.text ?? 'nil')] = replyJson(
          items[i + 1]!,
        );
      }
      if (n.truncated) obj['…'] = `${n.len} pairs in all`;
      return obj;
    }
    default: {
      const out: unknown[] = (n.items ?? []).map(replyJson);
      if (n.truncated) out.push(`…(${n.len} in all)`);
      return out;
    }
  }
}

/** `{ code, message }` of an error reply: the code is the first word when it is upper case */
export function errorOf(n: RespNode): { code?: string; message: string } {
  const text = n.text ?? '';
  const m = /^([A-Z][A-Z0-9_]*)\s/.exec(text);
  return m ? { code: m[1], message: text } : { message: text };
}
