// Capture -> HAR 1.2 (http://www.softwareishard.com/blog/har-12-spec/). Works on any capture
// with HTTP messages: HTTP mode (request and response share an `id`) and decoded TCP mode
// (paired by connection and order, as HTTP/1.1 answers in order). Bodies are the capture's
// bytes: text when they are text, base64 with `encoding: "base64"` otherwise; gzip, deflate and
// br response bodies are decoded when the capture holds them whole (content.compression says
// how much was saved), their secret fields masked by the default names. WebSocket frames go in
// `_webSocketMessages` as Chrome writes them.

import type { CaptureEvent, MessageEvent } from '../events.js';
import { VERSION } from '../version.js';
import { REDACTED } from '../decoders/summary-text.js';
import { decodeMasked, isTextual } from './body-preview.js';
import { DEFAULT_SECRET_NAMES } from '../decoders/http/secret-names.js';
import { round } from '../util/time.js';

type HeaderMap = Record<string, string | string[]>;
export interface HarNameValue {
  name: string;
  value: string;
}

interface Pending {
  req: MessageEvent;
  res?: MessageEvent;
  ws: MessageEvent[];
}

export class HarBuilder {
  private all: Pending[] = [];
  private byId = new Map<string, Pending>();
  private waiting = new Map<string, Pending[]>();
  private lastUpgrade = new Map<string, Pending>();
  private host = 'localhost';

  add(e: CaptureEvent): void {
    if (e.type === 'listening') this.host = e.listen;
    if (e.type !== 'message' || e.protocol !== 'http') return;
    const connKey = `${e.route ?? ''}#${e.conn}`;
    const id = e.fields.id;
    const idKey = id !== undefined ? `${connKey}/${str(id, String(num(id) ?? ''))}` : undefined;
    if (e.name === 'request') {
      const p: Pending = { req: e, ws: [] };
      this.all.push(p);
      if (idKey) this.byId.set(idKey, p);
      else this.queue(connKey).push(p);
      return;
    }
    if (e.name === 'response' || e.name === 'upgrade') {
      // a streamed response (SSE) is announced at its head and again at its end: keep the last
      const p = idKey ? this.byId.get(idKey) : this.queue(connKey).shift();
      if (!p) return;
      p.res = e;
      if (e.name === 'upgrade') this.lastUpgrade.set(connKey, p);
      return;
    }
    if (e.name === 'websocket') {
      const p = (idKey && this.byId.get(idKey)) || this.lastUpgrade.get(connKey);
      p?.ws.push(e);
    }
  }

  private queue(key: string): Pending[] {
    let q = this.waiting.get(key);
    if (!q) this.waiting.set(key, (q = []));
    return q;
  }

  get count(): number {
    return this.all.length;
  }

  entries(): unknown[] {
    return this.all
      .map((p) => entry(p, this.host))
      .sort((a, b) => a.startedDateTime.localeCompare(b.startedDateTime));
  }
}

export function harLog(entries: unknown[]): unknown {
  return { log: { version: '1.2', creator: { name: 'looptap', version: VERSION }, entries } };
}

function entry(p: Pending, host: string) {
  const q = p.req.fields;
  const reqHeaders = (q.headers ?? {}) as HeaderMap;
  const url = absoluteUrl(str(q.url, '/'), first(reqHeaders, 'host') ?? host);
  const reqBody = Buffer.from(str(q.body, ''), 'base64');
  const send = num(q.durationMs) ?? 0;
  const latency = p.res?.latencyMs ?? send;
  const wait = Math.max(0, latency - send);
  const receive = Math.max(0, (num(p.res?.fields.durationMs) ?? latency) - latency);
  const request: Record<string, unknown> = {
    method: str(q.method, 'GET'),
    url,
    httpVersion: str(q.version, 'HTTP/1.1'),
    cookies: requestCookies(reqHeaders),
    headers: harHeaders(reqHeaders),
    queryString: queryString(url),
    headersSize: -1,
    bodySize: num(q.bodyLength) ?? reqBody.length,
  };
  if ((num(q.bodyLength) ?? 0) > 0) {
    const mimeType = first(reqHeaders, 'content-type') ?? '';
    request.postData = { mimeType, params: [], ...bodyText(reqBody, mimeType) };
  }
  const out: Record<string, unknown> = {
    startedDateTime: new Date(p.req.time).toISOString(),
    time: round(send + wait + receive),
    request,
    response: response(p.res),
    cache: {},
    timings: {
      blocked: -1,
      dns: -1,
      connect: -1,
      send: round(send),
      wait: round(wait),
      receive: round(receive),
      ssl: -1,
    },
    connection: String(p.req.conn),
  };
  const notes = [
    q.truncated && 'request body cut at the capture limit',
    p.res?.fields.truncated && 'response body cut at the capture limit',
    !p.res && 'no response in the capture',
  ].filter(Boolean);
  if (notes.length) out.comment = notes.join('; ');
  if (p.ws.length) {
    out._webSocketMessages = p.ws.map((m) => ({
      type: m.from === 'client' ? 'send' : 'receive',
      time: m.time / 1000,
      opcode:
        ({ text: 1, binary: 2, close: 8, ping: 9, pong: 10 } as Record<string, number>)[
          str(m.fields.opcode)
        ] ?? 0,
      data:
        m.fields.opcode === 'text'
          ? Buffer.from(str(m.fields.body, ''), 'base64').toString('utf8')
          : str(m.fields.body, ''),
    }));
  }
  return out as { startedDateTime: string } & Record<string, unknown>;
}

function response(res: MessageEvent | undefined): Record<string, unknown> {
  if (!res) {
    return {
      status: 0,
      statusText: '',
      httpVersion: 'HTTP/1.1',
      cookies: [],
      headers: [],
      content: { size: 0, mimeType: 'x-unknown' },
      redirectURL: '',
      headersSize: -1,
      bodySize: -1,
    };
  }
  const f = res.fields;
  const headers = (f.headers ?? {}) as HeaderMap;
  const raw = Buffer.from(str(f.body, ''), 'base64');
  const length = num(f.bodyLength) ?? raw.length;
  const mimeType = first(headers, 'content-type') ?? 'x-unknown';
  const encoding = first(headers, 'content-encoding');
  const content: Record<string, unknown> = { size: length, mimeType };
  // a compressed body could not be masked as it passed: its decoded text is, before it is written
  const decoded =
    !f.truncated && encoding ? decodeMasked(raw, headers, DEFAULT_SECRET_NAMES) : undefined;
  if (decoded) {
    content.size = decoded.length;
    content.compression = length - decoded.length;
    Object.assign(content, bodyText(decoded, mimeType));
  } else if (length > 0) Object.assign(content, bodyText(raw, mimeType));
  return {
    status: num(f.status) ?? 0,
    statusText: str(f.reason, ''),
    httpVersion: str(f.version, 'HTTP/1.1'),
    cookies: responseCookies(headers),
    headers: harHeaders(headers),
    content,
    redirectURL: first(headers, 'location') ?? '',
    headersSize: -1,
    bodySize: length,
  };
}

function bodyText(b: Buffer, mime: string): { text: string; encoding?: 'base64' } {
  if (isTextual(mime.toLowerCase(), b) && Buffer.from(b.toString('utf8')).equals(b))
    return { text: b.toString('utf8') };
  return { text: b.toString('base64'), encoding: 'base64' };
}

function harHeaders(map: HeaderMap): HarNameValue[] {
  const out: HarNameValue[] = [];
  for (const [name, v] of Object.entries(map))
    for (const value of [v].flat()) out.push({ name, value });
  return out;
}

function requestCookies(h: HeaderMap): HarNameValue[] {
  return [h.cookie ?? []]
    .flat()
    .filter((v) => v !== REDACTED)
    .flatMap((v) =>
      v
        .split(';')
        .map((kv) => kv.trim())
        .filter(Boolean)
        .map((kv) => {
          const i = kv.indexOf('=');
          return i < 0 ? { name: kv, value: '' } : { name: kv.slice(0, i), value: kv.slice(i + 1) };
        }),
    );
}

function responseCookies(h: HeaderMap): HarNameValue[] {
  return [h['set-cookie'] ?? []]
    .flat()
    .filter((v) => v !== REDACTED)
    .map((v) => {
      const kv = v.split(';')[0]!.trim();
      const i = kv.indexOf('=');
      return i < 0 ? { name: kv, value: '' } : { name: kv.slice(0, i), value: kv.slice(i + 1) };
    });
}

function queryString(url: string): HarNameValue[] {
  try {
    return [...new URL(url).searchParams].map(([name, value]) => ({ name, value }));
  } catch {
    return [];
  }
}

function absoluteUrl(url: string, host: string): string {
  if (/^https?:\/\//i.test(url)) return url;
  return `http://${host}${url.startsWith('/') ? '' : '/'}${url}`;
}

function first(h: HeaderMap, name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
}

/** a string field of a message, or the default when absent or not a string */
const str = (v: unknown, dflt = ''): string => (typeof v === 'string' ? v : dflt);
const num = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isFinite(v) ? v : undefined;
