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
import { decodeForDisplay, isTextual, mimeOf } from '../../http/body-preview.js';

type HeaderMap = Record<string, string | string[]>;

function bodyText(f: Record<string, unknown>, maxValue: number): string | undefined {
  const b64 = typeof f.body === 'string' ? f.body : '';
  if (b64 === '') return undefined;
  const raw = Buffer.from(b64, 'base64');
  const headers = (f.headers ?? {}) as HeaderMap;
  const enc = headers['content-encoding'];
  const body = decodeForDisplay(raw, Array.isArray(enc) ? enc[0] : enc) ?? raw;
  if (!isTextual(mimeOf(headers), body)) return undefined;
  const text = body.toString('utf8');
  return text.length > maxValue ? `${text.slice(0, maxValue)}…` : text;
}

export function exchangeRequest(req: Decoded, maxValue: number): ExchangeRequest {
  const f = req.fields;
  const out: ExchangeRequest = {
    text: `${String(f.method)} ${String(f.url)}`,
    kind: 'http',
    method: String(f.method),
    url: String(f.url),
    headers: f.headers as HeaderMap,
    bodyBytes: typeof f.bodyLength === 'number' ? f.bodyLength : 0,
  };
  const body = bodyText(f, maxValue);
  if (body !== undefined) out.body = body;
  if (f.truncated === true) out.truncated = true;
  return out;
}

export function exchangeResponse(res: Decoded, maxValue: number): ExchangeResponse {
  const f = res.fields;
  const status = Number(f.status);
  const reason = typeof f.reason === 'string' && f.reason ? ` ${f.reason}` : '';
  const out: ExchangeResponse = {
    text: `${status}${reason}`,
    status,
    headers: f.headers as HeaderMap,
    bodyBytes: typeof f.bodyLength === 'number' ? f.bodyLength : 0,
  };
  const body = bodyText(f, maxValue);
  if (body !== undefined) out.body = body;
  if (f.generated === true) {
    out.error = { code: String(status), message: (body ?? '').replace(/^looptap: /, '').trim() };
  }
  return out;
}

/** `start`: the request's first byte; `end`: the answer's last (epoch ms) */
export function httpExchange(
  req: Decoded | { method: string; url: string },
  res: Decoded | undefined,
  start: number,
  end: number | undefined,
  maxValue: number,
): ExchangeDraft {
  const request =
    'fields' in req
      ? exchangeRequest(req, maxValue)
      : { text: `${req.method} ${req.url}`, kind: 'http', method: req.method, url: req.url };
  const draft: ExchangeDraft = { start, request };
  if (res) {
    draft.response = exchangeResponse(res, maxValue);
    if (end !== undefined) draft.latencyMs = Math.max(0, end - start);
    if (draft.response.status! >= 500) draft.level = LEVEL.warn;
    if (res.fields.incomplete === true) draft.incomplete = true;
  } else draft.incomplete = true;
  return draft;
}
