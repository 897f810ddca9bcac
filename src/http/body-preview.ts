// One-line body previews for the live view: `application/json 1.2 kB: {"id":1,...}` for text,
// `image/png 34.5 kB` for binary. gzip, deflate and br bodies are decompressed for this preview
// only (the capture keeps the bytes as they travelled), with an output cap so a compression bomb
// costs at most PREVIEW_INFLATE_MAX bytes, and what they decode to is scanned for secret fields.

import zlib from 'node:zlib';
import { formatSize, headerValue, type HeaderMap } from '../decoders/http/message.js';
import { bodyScanner, maskWith } from '../decoders/http/body-secrets.js';
import type { SecretNames } from '../decoders/http/secret-names.js';

const PREVIEW_INFLATE_MAX = 256 * 1024;
/** The preview reads at most 512 decoded bytes (looksLikeText) and 4 per shown character, so the
 * compressed body is first decoded from a prefix this long: a 64 KiB gzip body then costs one
 * small inflate instead of up to 256 KiB of output per response. The full body is decoded only
 * when the prefix fails or yields less than PREVIEW_NEED bytes, so the preview is the same. */
const PREVIEW_PREFIX = 4 * 1024;
const PREVIEW_NEED = 1024;
const TEXT_TYPES =
  /^(text\/|application\/([\w.+-]*\+)?(json|xml|javascript|x-www-form-urlencoded|graphql|x-ndjson)\b)/i;

/** decoded body bytes for display, or undefined when they cannot be decoded; `need`: the caller
 * reads only that many decoded bytes, so a prefix of the body that yields them is enough */
export function decodeForDisplay(
  body: Buffer,
  encoding: string | undefined,
  need = Infinity,
): Buffer | undefined {
  if (encoding === undefined) return body;
  const enc = encoding.trim().toLowerCase();
  if (enc === '' || enc === 'identity') return body;
  if (need <= PREVIEW_NEED && body.length > PREVIEW_PREFIX) {
    const head = inflate(body.subarray(0, PREVIEW_PREFIX), enc);
    if (head !== undefined && head.length >= need) return head;
  }
  return inflate(body, enc);
}

/** decodeForDisplay, with the decoded body's secret fields masked when `names` is given
 * (redaction on). An identity body was masked as it passed; a compressed one could not be, so
 * the text decoded from it is scanned here, by its content type, before anyone shows it. */
export function decodeMasked(
  body: Buffer,
  headers: HeaderMap,
  names: SecretNames | undefined,
  need = Infinity,
): Buffer | undefined {
  const encoding = headerValue(headers, 'content-encoding');
  const decoded = decodeForDisplay(body, encoding, need);
  if (decoded === undefined || decoded === body || names === undefined) return decoded;
  const scanner = bodyScanner(
    [['content-type', headerValue(headers, 'content-type') ?? '']],
    names,
  );
  return scanner ? maskWith(decoded, scanner).bytes : decoded;
}

function inflate(body: Buffer, enc: string): Buffer | undefined {
  const opts = { maxOutputLength: PREVIEW_INFLATE_MAX };
  try {
    // SYNC_FLUSH instead of FINISH: a capped (cut) body still yields its beginning
    if (enc === 'gzip' || enc === 'x-gzip')
      return zlib.gunzipSync(body, { ...opts, finishFlush: zlib.constants.Z_SYNC_FLUSH });
    if (enc === 'br')
      return zlib.brotliDecompressSync(body, {
        ...opts,
        finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH,
      });
    if (enc === 'deflate') {
      const z = { ...opts, finishFlush: zlib.constants.Z_SYNC_FLUSH };
      // servers disagree on whether "deflate" has the zlib wrapper
      try {
        return zlib.inflateSync(body, z);
      } catch {
        return zlib.inflateRawSync(body, z);
      }
    }
  } catch {
    return undefined;
  }
  return undefined;
}

export function mimeOf(headers: HeaderMap): string {
  return headerValue(headers, 'content-type')?.split(';')[0]?.trim().toLowerCase() ?? '';
}

export function looksLikeText(b: Buffer): boolean {
  const head = b.subarray(0, 512);
  let bad = 0;
  for (const c of head) {
    if (c === 0) return false;
    if ((c < 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) || c === 0x7f) bad++;
  }
  if (bad * 20 > head.length) return false;
  // one replacement char is allowed: the cap may cut a multi-byte character
  return (head.toString('utf8').match(/\uFFFD/g) ?? []).length <= 1;
}

export function isTextual(mime: string, body: Buffer): boolean {
  if (TEXT_TYPES.test(mime)) return true;
  if (mime !== '' && !mime.startsWith('application/octet-stream')) return false;
  return looksLikeText(body);
}

/** `type size: text` for the view; '' for an empty body */
export function bodySummary(
  body: Buffer,
  length: number,
  headers: HeaderMap,
  names: SecretNames | undefined,
  maxChars = 80,
): string {
  if (length === 0) return '';
  const mime = mimeOf(headers);
  const encoding = headerValue(headers, 'content-encoding');
  const parts = [mime, formatSize(length)].filter(Boolean);
  const decoded = decodeMasked(body, headers, names, Math.max(512, maxChars * 4));
  if (decoded === undefined) return `${parts.join(' ')} (${encoding ?? 'encoded'})`;
  if (encoding && encoding !== 'identity') parts.push(`(${encoding})`);
  if (!isTextual(mime, decoded)) return parts.join(' ');
  const text = decoded.toString('utf8', 0, Math.min(decoded.length, maxChars * 4));
  const flat = text.replace(/\s+/g, ' ').trim();
  const more = flat.length > maxChars || body.length < length;
  return `${parts.join(' ')}: ${flat.slice(0, maxChars)}${more ? '…' : ''}`;
}
