// Which HTTP header names and which field names (URL query parameters, form fields, JSON keys)
// carry secrets. One list for both modes and every output; docs/redaction.md is its reference.
//
//   name ──lower case, drop '-', '_' and '.'──▶ exact name?  or  contains a secret word?
//
// Over-masking a field that merely mentions a token costs some readability; missing a real
// credential costs the user's secret, so the words match anywhere in the name.

import type { DecoderOptions } from '../decoder.js';

/** names whose values are secrets wherever they appear (compared after normalising) */
export const SECRET_EXACT = [
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'auth',
  'pass',
  'pwd',
  'sig',
  'otp',
  'pin',
  'jwt',
  'sessionid',
  'sessid',
  'jsessionid',
  'phpsessid',
] as const;

/** a name that contains one of these (after normalising) is secret: `X-Api-Key`, `api_key`,
 * `client_secret`, `refresh_token`, `newPassword`, `X-Amz-Signature`, `X-CSRF-Token` */
export const SECRET_WORDS = [
  'password',
  'passwd',
  'passphrase',
  'secret',
  'token',
  'apikey',
  'accesskey',
  'privatekey',
  'credential',
  'signature',
] as const;

/** a name matched only by a word is not secret when it ends with one of these: it describes a
 * secret or counts something (`token_type`, `max_tokens`, `password_policy`, `token_url`) */
export const NOT_SECRET_ENDINGS = [
  'type',
  'tokens',
  'url',
  'uri',
  'endpoint',
  'count',
  'length',
  'expiresin',
  'expiresat',
  'policy',
  'hint',
] as const;

/** the names longer than this are never secret: a bound on what a streaming scanner keeps */
export const NAME_MAX = 256;

export function normalise(name: string): string {
  return name.toLowerCase().replace(/[-_.]/g, '');
}

const EXACT = new Set(SECRET_EXACT.map(normalise));

function defaultSecret(n: string): boolean {
  if (EXACT.has(n)) return true;
  for (const w of SECRET_WORDS) {
    if (!n.includes(w)) continue;
    for (const end of NOT_SECRET_ENDINGS) if (n.endsWith(end)) return false;
    return true;
  }
  return false;
}

/** The secret-name test for one configuration (the defaults plus --redact-header and
 * --redact-field names). Answers are cached: the same few names come on every request. */
export class SecretNames {
  private readonly extraHeaders: Set<string>;
  private readonly extraFields: Set<string>;
  private readonly headerCache = new Map<string, boolean>();
  private readonly fieldCache = new Map<string, boolean>();

  constructor(extraHeaders: readonly string[] = [], extraFields: readonly string[] = []) {
    this.extraHeaders = new Set(extraHeaders.map(normalise));
    this.extraFields = new Set(extraFields.map(normalise));
  }

  /** `name` as it appears on the wire (any case) */
  header(name: string): boolean {
    return cached(this.headerCache, name, (n) => this.extraHeaders.has(n) || defaultSecret(n));
  }

  /** a query parameter, form field or JSON key, already percent- or escape-decoded */
  field(name: string): boolean {
    return cached(this.fieldCache, name, (n) => this.extraFields.has(n) || defaultSecret(n));
  }
}

const CACHE_MAX = 2048;

function cached(cache: Map<string, boolean>, name: string, test: (n: string) => boolean): boolean {
  let v = cache.get(name);
  if (v === undefined) {
    v = name.length <= NAME_MAX && test(normalise(name));
    // a client inventing names on every request must not grow the cache without end
    if (cache.size >= CACHE_MAX) cache.clear();
    cache.set(name, v);
  }
  return v;
}

export const DEFAULT_SECRET_NAMES = new SecretNames();
const configured = new Map<string, SecretNames>();

/** the SecretNames for a decoder's options (one instance per distinct configuration) */
export function secretNamesOf(
  options: Pick<DecoderOptions, 'redactHeaders' | 'redactFields'>,
): SecretNames {
  const h = options.redactHeaders ?? [];
  const f = options.redactFields ?? [];
  if (h.length === 0 && f.length === 0) return DEFAULT_SECRET_NAMES;
  const key = JSON.stringify([h, f]);
  let s = configured.get(key);
  if (!s) configured.set(key, (s = new SecretNames(h, f)));
  return s;
}
