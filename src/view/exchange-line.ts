// One exchange as the live view shows it: the request, its parameters and the answer on one line,
// then the first result rows as a compact table.
//
//   12:00:01.123 #3 pg  select name from users where id = $1 [42] -> SELECT 1 (0.4 ms)
//       name
//       ----
//       bob

import type { ExchangeEvent, ProtocolName } from '../events.js';
import { escapeText } from './preview.js';
import { plural } from '../util/plural.js';

export const SHORT: Record<ProtocolName, string> = {
  postgres: 'pg',
  mysql: 'mysql',
  redis: 'redis',
  http: 'http',
};

const CELL_MAX = 40;
const PARAM_MAX = 40;
const REQUEST_KEEP = 40;
const BODY_MAX = 60;

/** content types whose bodies a reader takes in at a glance; pages, scripts and styles are left
 * to `--show-data`, the UI and the capture, or every asset would add lines to the view */
const READABLE = /json|^text\/plain|xml|x-www-form-urlencoded|^text\/csv|graphql/i;

/** an HTTP body worth showing in the view, or undefined */
function readableBody(
  body: string | undefined,
  headers: Record<string, string | string[]> | undefined,
): string | undefined {
  if (body === undefined || body.trim() === '') return undefined;
  const type = headers?.['content-type'];
  const t = (Array.isArray(type) ? type[0] : type) ?? '';
  return t === '' || READABLE.test(t) ? body : undefined;
}

/** pretty-printed JSON folded onto one line; anything else as it is */
function oneLineBody(body: string): string {
  if (!body.includes('\n')) return body;
  try {
    return JSON.stringify(JSON.parse(body));
  } catch {
    return body;
  }
}

/** ` {"name":"ada"}`: a readable request body for the exchange line, or '' */
function requestBody(
  body: string | undefined,
  headers: Record<string, string | string[]> | undefined,
): string {
  const shown = readableBody(body, headers);
  return shown === undefined ? '' : ' ' + cut(escapeText(oneLineBody(shown)), BODY_MAX);
}

function bodyLines(body: string): string[] {
  const lines = oneLineBody(body).split(/\r?\n/);
  while (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}
const INDENT = '    ';

export interface Paint {
  red(s: string): string;
  yellow(s: string): string;
  dim(s: string): string;
}

/** the text after `#3 `: protocol, request, parameters, answer and latency */
export function exchangeText(e: ExchangeEvent, width: number, p: Paint): string {
  const proto = SHORT[e.protocol] ?? e.protocol;
  const params = e.request.params?.length
    ? ' ' + paramList(e.request.params)
    : requestBody(e.request.body, e.request.headers);
  const r = e.response;
  const requestText = escapeText(e.request.text);
  // the request gets what the answer leaves of the width; the answer is cut only when it alone
  // would take more than a third, but an error (the reason a reader looks) may take what a short
  // request leaves, the request keeping up to REQUEST_KEEP columns
  const third = Math.max(20, Math.floor(width / 3));
  const answerRoom = r?.error
    ? Math.max(third, width - Math.min(requestText.length, REQUEST_KEEP) - params.length - 4)
    : third;
  let answer: string;
  let answerLen: number;
  if (!r) {
    const text = e.incomplete ? '(no answer: the connection ended)' : '(no answer)';
    answer = p.yellow(text);
    answerLen = text.length;
  } else {
    let text = escapeText(r.text);
    const code = r.error?.sqlState ?? r.error?.code;
    if (r.error && code && !text.includes(code)) text += ` (${code})`;
    text = cut(text, answerRoom);
    answerLen = text.length;
    answer = r.error || e.level >= 40 ? p.red(text) : text;
  }
  const extra = [
    e.txn === 'failed' ? p.yellow(' [failed transaction]') : '',
    e.injected ? p.yellow(` [fault ${escapeText(e.injected)}]`) : '',
    e.latencyMs !== undefined ? p.dim(` (${fmtMs(e.latencyMs)})`) : '',
  ].join('');
  const room = Math.max(20, width - answerLen - params.length - 4);
  const request = cut(requestText, room);
  return `${proto.padEnd(3)} ${request}${params} -> ${answer}${extra}`;
}

/** the rows under an exchange line: a table of `values`, the first lines of an HTTP body a reader
 * takes in at a glance (JSON folded onto one line), or the first lines of a Redis reply */
export function rowLines(
  e: ExchangeEvent,
  max: number,
  width: number,
  dim: (s: string) => string,
): string[] {
  const r = e.response;
  if (!r || max <= 0) return [];
  const room = Math.max(20, width);
  if (r.values && r.values.length > 0) {
    const shown = r.values.slice(0, max).map((row) => row.map(cell));
    const head = r.columns?.map((c) => cut(escapeText(c), CELL_MAX));
    const ncol = Math.max(head?.length ?? 0, ...shown.map((row) => row.length));
    const widths = Array.from({ length: ncol }, (_, i) =>
      Math.max(head?.[i]?.length ?? 0, ...shown.map((row) => row[i]?.length ?? 0)),
    );
    // columns of numbers are right-aligned, as psql does
    const values = r.values.slice(0, max);
    const right = widths.map((_, i) =>
      values.every((row) => typeof row[i] === 'number' || row[i] === null),
    );
    const line = (cells: string[], isHead = false): string =>
      INDENT +
      cut(
        widths
          .map((w, i) =>
            right[i] && !isHead ? (cells[i] ?? '').padStart(w) : (cells[i] ?? '').padEnd(w),
          )
          .join(' | ')
          .trimEnd(),
        room,
      );
    const out: string[] = [];
    if (head)
      out.push(line(head, true), INDENT + cut(widths.map((w) => '-'.repeat(w)).join('-+-'), room));
    for (const row of shown) out.push(line(row));
    const total = r.rows ?? r.values.length;
    const more = Math.max(0, total - shown.length);
    if (more > 0 || r.rowsTruncated)
      out.push(dim(`${INDENT}… ${more > 0 ? plural(more, 'more row') : 'more rows'}`));
    return out;
  }
  const body = readableBody(r.body, r.headers);
  if (body !== undefined) {
    const lines = bodyLines(body);
    const out = firstLines(lines, max, room, dim);
    const cutShort = r.bodyBytes !== undefined && r.bodyBytes > Buffer.byteLength(body);
    if (lines.length <= max && cutShort) out.push(dim(`${INDENT}… ${r.bodyBytes} B in all`));
    return out;
  }
  if (r.reply && r.reply.includes('\n')) return firstLines(r.reply.split('\n'), max, room, dim);
  return [];
}

/** the first `max` lines, indented and cut to `room`, then how many more there were */
function firstLines(
  lines: string[],
  max: number,
  room: number,
  dim: (s: string) => string,
): string[] {
  const out = lines.slice(0, max).map((l) => INDENT + cut(escapeText(l), room));
  if (lines.length > max) out.push(dim(`${INDENT}… ${plural(lines.length - max, 'more line')}`));
  return out;
}

function cell(v: unknown): string {
  return cut(escapeText(v === null || v === undefined ? 'NULL' : plain(v)), CELL_MAX);
}

/** a JSON value as text: strings as they are, the rest as JSON */
function plain(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return v.toString();
  return JSON.stringify(v) ?? '';
}

/** `[42, 'bob smith', NULL]`: strings quoted only when they would be ambiguous */
function paramList(params: unknown[]): string {
  const shown = params.slice(0, 10).map((v) => {
    if (v === null || v === undefined) return 'NULL';
    if (typeof v === 'string') {
      const s = cut(escapeText(v), PARAM_MAX);
      return s === '' || /[\s,[\]']/.test(s) ? `'${s.replace(/'/g, "''")}'` : s;
    }
    return cut(escapeText(plain(v)), PARAM_MAX);
  });
  if (params.length > 10) shown.push(`… ${params.length - 10} more`);
  return `[${shown.join(', ')}]`;
}

export function fmtMs(ms: number): string {
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 1000) return `${ms.toFixed(1)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

export function cut(s: string, width: number): string {
  return s.length > width ? s.slice(0, Math.max(1, width - 1)) + '…' : s;
}
