// One HTTP exchange (issue 10) from the request and response messages both modes already build
// (message.ts), so TCP mode (the decoder's DecodeStep.exchanges) and HTTP mode
// (src/http/exchange.ts) report the same shape. Values are the messages' already redacted
// fields; bodies are text when they are text, cut at maxValue.
//
// `error` is set only when looptap itself answered because the target could not (HTTP mode's
// 502/504, marked `generated`): the request never got a real answer. A 5xx from the target is a
// real answer: it has `status` (the filter `status:5xx` finds it) and level 40, but no `error`.

import type { Decoded, ExchangeDraft } from '../decoder.js';
import type { ExchangeRequest, ExchangeResponse } from '../../events.js';
import { LEVEL } from '../../events.js';
import { decodeMasked, isTextual, mimeOf } from '../../http/body-preview.js';
import type { SecretNames } from './secret-names.js';

type HeaderMap = Record<string, string | string[]>;

/** `names`: the secret names when redaction is on (a compressed body is masked once decoded) */
function bodyText(
  f: Record<string, unknown>,
  maxValue: number,
  names: SecretNames | undefined,
): string | undefined {
  const b64 = typeof f.body === 'string' ? f.body : '';
  if (b64 === '') return undefined;
  const raw = Buffer.from(b64, 'base64');
  const headers = (f.headers ?? {}) as HeaderMap;
  const body = decodeMasked(raw, headers, names) ?? raw;
  if (!isTextual(mimeOf(headers), body)) return undefined;
  const text = body.toString('utf8');
  return text.length > maxValue ? `${text.slice(0, maxValue)}…` : text;
}

export function exchangeRequest(
  req: Decoded,
  maxValue: number,
  names: SecretNames | undefined,
): ExchangeRequest {
  const f = req.fields;
  const out: ExchangeRequest = {
    text: `${String(f.method)} ${String(f.url)}`,
    kind: 'http',
    method: String(f.method),
    url: String(f.url),
    headers: f.headers as HeaderMap,
    bodyBytes: typeof f.bodyLength === 'number' ? f.bodyLength : 0,
  };
  const body = bodyText(f, maxValue, names);
  if (body !== undefined) out.body = body;
  if (f.truncated === true) out.truncated = true;
  return out;
}

export function exchangeResponse(
  res: Decoded,
  maxValue: number,
  names: SecretNames | undefined,
): ExchangeResponse {
  const f = res.fields;
  const status = Number(f.status);
  const reason = typeof f.reason === 'string' && f.reason ? ` ${f.reason}` : '';
  const out: ExchangeResponse = {
    text: `${status}${reason}`,
    status,
    headers: f.headers as HeaderMap,
    bodyBytes: typeof f.bodyLength === 'number' ? f.bodyLength : 0,
  };
  const body = bodyText(f, maxValue, names);
  if (body !== undefined) out.body = body;
  if (f.generated === true) {
    out.error = { code: String(status), message: (body ?? '').replace(/^looptap: /, '').trim() };
  }
  return out;
}

/** `start`: the request's first byte; `end`: the answer's last (epoch ms); `names`: the secret
 * names, undefined when redaction is off */
export function httpExchange(
  req: Decoded | { method: string; url: string },
  res: Decoded | undefined,
  start: number,
  end: number | undefined,
  maxValue: number,
  names: SecretNames | undefined,
): ExchangeDraft {
  const request =
    'fields' in req
      ? exchangeRequest(req, maxValue, names)
      : { text: `${req.method} ${req.url}`, kind: 'http', method: req.method, url: req.url };
  const draft: ExchangeDraft = { start, request };
  if (res) {
    draft.response = exchangeResponse(res, maxValue, names);
    if (end !== undefined) draft.latencyMs = Math.max(0, end - start);
    if (draft.response.status! >= 500) draft.level = LEVEL.warn;
    if (res.fields.incomplete === true) draft.incomplete = true;
  } else draft.incomplete = true;
  return draft;
}
