// Builders for the decoded HTTP messages ('request', 'response', 'upgrade'). Pure: TCP mode's
// passive decoder and HTTP mode (which sees requests through Node's http server) both call these,
// so the two modes write the same shape. They apply header redaction and the body cap.
//
//   head fields + kept body bytes + real body length ──▶ Decoded { name, summary, fields }

import type { Decoded, DecoderOptions } from '../decoder.js';
import { DEFAULT_SECRET_NAMES, secretNamesOf, type SecretNames } from './secret-names.js';
import { redactUrl } from './pair-scanner.js';
import { REDACTED } from '../summary-text.js';

/** what a secret header value, query value or JSON string becomes in decoded fields */
/** header values that are URLs: secret query values in them are masked */
const URL_HEADERS = new Set(['referer', 'location', 'content-location', 'refresh']);

/** lower-case name -> value, or the values in order when the header is repeated */
export type HeaderMap = Record<string, string | string[]>;

/** `[name, value]` pairs, Node's flat `rawHeaders` list, or Node's `headers` object */
export type HeaderInput =
  | ReadonlyArray<readonly [string, string]>
  | readonly string[]
  | Readonly<Record<string, string | string[] | number | undefined>>;

export interface BodyInput {
  /** the body bytes kept (the builder keeps at most options.maxValue of them) */
  body?: Buffer | readonly Buffer[];
  /** the real body length; defaults to the kept length */
  bodyLength?: number;
  /** trailer fields of a chunked body */
  trailers?: HeaderInput;
  /** 'ambiguous' when Content-Length and Transfer-Encoding disagree or conflict */
  framing?: 'ambiguous';
  /** the peer closed before the message was complete */
  incomplete?: boolean;
  /** how many kept body bytes redaction masked (they read as `*`) */
  bodyRedacted?: number;
}

export interface RequestInput extends BodyInput {
  method: string;
  url: string;
  /** "1.1" or "HTTP/1.1" */
  version: string;
  headers: HeaderInput;
}

export interface ResponseInput extends BodyInput {
  status: number;
  reason: string;
  version: string;
  headers: HeaderInput;
  latencyMs?: number;
}

export interface UpgradeInput {
  status: number;
  reason: string;
  version: string;
  headers: HeaderInput;
  /** 'websocket', 'h2c', ... or 'tunnel' for CONNECT */
  upgrade: string;
  /** the CONNECT target, when a tunnel */
  url?: string;
  latencyMs?: number;
}

type Opts = Pick<DecoderOptions, 'redact' | 'maxValue' | 'redactHeaders' | 'redactFields'>;

function pairs(input: HeaderInput): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  if (Array.isArray(input)) {
    if (input.length > 0 && typeof input[0] === 'string') {
      const flat = input as readonly string[];
      for (let i = 0; i + 1 < flat.length; i += 2) out.push([flat[i]!, flat[i + 1]!]);
    } else {
      for (const [n, v] of input as ReadonlyArray<readonly [string, string]>) out.push([n, v]);
    }
    return out;
  }
  const obj = input as Readonly<Record<string, string | string[] | number | undefined>>;
  for (const [n, v] of Object.entries(obj)) {
    if (v === undefined) continue;
    if (Array.isArray(v)) for (const x of v) out.push([n, x]);
    else out.push([n, String(v)]);
  }
  return out;
}

/** Header list -> HeaderMap with lower-case names; secret values become '[redacted]', and so do
 * secret query values in URL headers (Referer, Location). A header called `__proto__` is
 * defined as an own key, never as the prototype. */
export function headerMap(
  input: HeaderInput,
  redact: boolean,
  names: SecretNames = DEFAULT_SECRET_NAMES,
): HeaderMap {
  const map: HeaderMap = {};
  for (const [rawName, rawValue] of pairs(input)) {
    const name = rawName.toLowerCase();
    const value = !redact
      ? rawValue
      : names.header(name)
        ? REDACTED
        : URL_HEADERS.has(name)
          ? redactUrl(rawValue, names, REDACTED)
          : rawValue;
    const prev = Object.hasOwn(map, name) ? map[name] : undefined;
    if (prev === undefined) {
      if (name === '__proto__')
        Object.defineProperty(map, name, {
          value,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      else map[name] = value;
    } else if (Array.isArray(prev)) prev.push(value);
    else map[name] = [prev, value];
  }
  return map;
}

/** first value of a header in a HeaderMap */
export function headerValue(map: HeaderMap, name: string): string | undefined {
  const v = map[name];
  return Array.isArray(v) ? v[0] : v;
}

export function formatSize(n: number): string {
  if (n < 1000) return `${n} B`;
  if (n < 1e6) return `${(n / 1e3).toFixed(1)} kB`;
  if (n < 1e9) return `${(n / 1e6).toFixed(1)} MB`;
  return `${(n / 1e9).toFixed(1)} GB`;
}

function version(v: string): string {
  return /^\d/.test(v) ? `HTTP/${v}` : v;
}

const SUMMARY_URL_MAX = 300;

function bodyFields(input: BodyInput, opts: Opts): Record<string, unknown> {
  const parts: readonly Buffer[] =
    input.body === undefined ? [] : Buffer.isBuffer(input.body) ? [input.body] : input.body;
  let kept = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  const length = input.bodyLength ?? kept.length;
  if (kept.length > opts.maxValue) kept = kept.subarray(0, opts.maxValue);
  const f: Record<string, unknown> = { body: kept.toString('base64'), bodyLength: length };
  if (length > kept.length) f.truncated = true;
  if (input.trailers !== undefined)
    f.trailers = headerMap(input.trailers, opts.redact, secretNamesOf(opts));
  if (input.framing) f.framing = input.framing;
  if (input.incomplete) f.incomplete = true;
  if (input.bodyRedacted) f.bodyRedacted = input.bodyRedacted;
  return f;
}

export function requestMessage(input: RequestInput, opts: Opts): Decoded {
  const names = secretNamesOf(opts);
  const headers = headerMap(input.headers, opts.redact, names);
  const full = opts.redact ? redactUrl(input.url, names, REDACTED) : input.url;
  const url = full.length > SUMMARY_URL_MAX ? `${full.slice(0, SUMMARY_URL_MAX)}…` : full;
  return {
    from: 'client',
    name: 'request',
    summary: `${input.method} ${url}`,
    fields: {
      method: input.method,
      url: full,
      version: version(input.version),
      headers,
      ...bodyFields(input, opts),
    },
  };
}

export function responseMessage(input: ResponseInput, opts: Opts): Decoded {
  const headers = headerMap(input.headers, opts.redact, secretNamesOf(opts));
  const fields: Record<string, unknown> = {
    status: input.status,
    reason: input.reason,
    version: version(input.version),
    headers,
    ...bodyFields(input, opts),
  };
  const length = fields.bodyLength as number;
  const detail: string[] = [];
  if (length > 0) {
    detail.push(formatSize(length));
    const type = headerValue(headers, 'content-type')?.split(';')[0]?.trim();
    if (type) detail.push(type);
  }
  const head = `${input.status}${input.reason ? ` ${input.reason}` : ''}`;
  const msg: Decoded = {
    from: 'server',
    name: 'response',
    summary: detail.length > 0 ? `${head} (${detail.join(' ')})` : head,
    fields,
  };
  if (input.latencyMs !== undefined) msg.latencyMs = input.latencyMs;
  if (input.status >= 500) msg.level = 40;
  return msg;
}

export function upgradeMessage(input: UpgradeInput, opts: Opts): Decoded {
  const fields: Record<string, unknown> = {
    status: input.status,
    reason: input.reason,
    version: version(input.version),
    headers: headerMap(input.headers, opts.redact, secretNamesOf(opts)),
    upgrade: input.upgrade,
  };
  if (input.url !== undefined) fields.url = input.url;
  const to = input.upgrade === 'tunnel' && input.url ? `tunnel to ${input.url}` : input.upgrade;
  const msg: Decoded = {
    from: 'server',
    name: 'upgrade',
    summary: `${input.status}${input.reason ? ` ${input.reason}` : ''} → ${to}`,
    fields,
  };
  if (input.latencyMs !== undefined) msg.latencyMs = input.latencyMs;
  return msg;
}
