// The HTTP requests of one captured connection, ready to resend, and the ones that carry a
// redacted value. Two sources, one result:
//
//   TCP mode  (data chunks)      ──decoder, redaction off──▶ request/response messages ─┐
//   HTTP mode (messages only, paired by `id`)  ─────────────────────────────────────────┴▶ Exchange[]
//
// A request carries a redacted value when a header, the URL or the body holds a mask: '[redacted]'
// in HTTP-mode fields, runs of '*' in TCP-mode bytes (the capture's masks) on a connection whose
// client bytes were masked. Such requests go in Plan.redacted and are never sent as captured.

import { decoders } from '../decoders/registry.js';
import type { Session } from './load.js';
import type { RedactedRequest, ReplaySettings } from './types.js';
import { CaptureReadError } from '../capture/reader.js';
import { REDACTED } from '../decoders/summary-text.js';

export type Headers = Record<string, string | string[]>;

export interface Exchange {
  method: string;
  url: string;
  headers: Headers;
  body: Buffer;
  time: number;
  /** capture line of the request's chunk, or of the connection's open (HTTP mode) */
  line: number;
  /** how the capture masked it: header names, 'url', 'body' */
  masked: string[];
  response?: Recorded;
}

/** a recorded answer. `cut`: the capture kept only the first bytes of its body (--max-value),
 * and this is the whole body's length; `headOnly`: an event stream whose capture holds its
 * head and no body (looptap http before 3 Dec 2026 wrote no closing response) */
export interface Recorded {
  status: number;
  headers: Headers;
  body: Buffer;
  cut?: number;
  headOnly?: boolean;
}

type Fields = Record<string, unknown>;

const b64 = (v: unknown): Buffer => Buffer.from(typeof v === 'string' ? v : '', 'base64');

function response(f: Fields): Recorded {
  const r: Recorded = {
    status: f.status as number,
    headers: f.headers as Headers,
    body: b64(f.body),
  };
  if (f.truncated === true && typeof f.bodyLength === 'number') r.cut = f.bodyLength;
  if (f.streaming === true) r.headOnly = true;
  return r;
}

const STARS = /^\*+$/;

/** what the capture masked in one request; `tcp`: masks are '*' runs in the recorded bytes */
function maskedParts(f: Fields, tcp: boolean, body: Buffer): string[] {
  const out: string[] = [];
  for (const [name, v] of Object.entries((f.headers ?? {}) as Headers)) {
    const hit = [v]
      .flat()
      .some((x) => (tcp ? STARS.test(x.trim()) || x.includes('****') : x === REDACTED));
    if (hit) out.push(name);
  }
  const url = typeof f.url === 'string' ? f.url : '';
  if (tcp ? /[?&#][^=&#]*=\*+(?=[&#]|$)/.test(url) : url.includes(`=${REDACTED}`)) out.push('url');
  if (tcp ? body.includes('**') : Number(f.bodyRedacted) > 0) out.push('body');
  return out;
}

/** TCP mode: the capture's bytes decoded again with redaction off, so bodies are whole */
export function fromChunks(s: Session): Exchange[] | undefined {
  const dec = decoders.http.create({ redact: false, maxValue: 1 << 30 });
  const exchanges: Exchange[] = [];
  const masksSeen = s.redacted.client > 0;
  let answered = 0;
  const take = (messages: Array<{ name: string; fields: Fields }>, time: number, line: number) => {
    for (const m of messages) {
      const f = m.fields;
      if (m.name === 'request') {
        const body = b64(f.body);
        exchanges.push({
          method: f.method as string,
          url: f.url as string,
          headers: f.headers as Headers,
          body,
          time,
          line,
          masked: masksSeen ? maskedParts(f, true, body) : [],
        });
      } else if (m.name === 'response' || m.name === 'upgrade') {
        const e = exchanges[answered++];
        if (e) e.response = response(f);
      }
    }
  };
  for (const c of s.chunks) {
    const step = dec.push(c.from, c.bytes, c.time);
    if (step.fallback || step.opaque) return undefined;
    take(step.messages, c.time, c.line);
  }
  for (const from of ['client', 'server'] as const) {
    if (s.ended[from]) take(dec.end(from, Date.now()).messages, Date.now(), 0);
  }
  return exchanges;
}

/** HTTP mode (`looptap http`): no raw bytes, the request and response messages share an `id` */
export function fromMessages(s: Session, file: string): Exchange[] {
  const byId = new Map<unknown, Exchange>();
  const exchanges: Exchange[] = [];
  const line = s.line;
  for (const m of s.messages) {
    const f = m.fields;
    if (m.protocol !== 'http') continue;
    if (m.name === 'request') {
      if (f.truncated === true || f.incomplete === true) {
        throw new CaptureReadError(
          file,
          line,
          `connection ${s.conn} sends ${String(f.method)} ${String(f.url)} whose body the capture ${f.truncated ? 'cut at --max-value' : 'holds only in part'}: it cannot be resent as it was; leave the connection out with --conn, or capture again with a larger --max-value`,
        );
      }
      const body = b64(f.body);
      const e: Exchange = {
        method: String(f.method),
        url: String(f.url),
        headers: (f.headers ?? {}) as Headers,
        body,
        time: m.time,
        line,
        masked: maskedParts(f, false, body),
      };
      exchanges.push(e);
      byId.set(f.id, e);
    } else if (m.name === 'response') {
      // an event stream is announced at its head and again at its end: the last one wins
      const e = byId.get(f.id);
      if (e) e.response = response(f);
    }
  }
  return exchanges;
}

/** the requests replay must not send as captured: the masks nobody supplied a value for */
export function redactedRequests(
  s: Session,
  exchanges: Exchange[],
  settings: Pick<ReplaySettings, 'headers'>,
): RedactedRequest[] {
  const given = new Set(settings.headers.map(([n]) => n.toLowerCase()));
  const out: RedactedRequest[] = [];
  exchanges.forEach((e, i) => {
    const missing = e.masked.filter((m) => !given.has(m));
    if (missing.length === 0) return;
    const headers = missing.filter((m) => m !== 'url' && m !== 'body');
    const hints = headers.map((h) => `--header '${h}: VALUE'`);
    if (missing.includes('url') || missing.includes('body'))
      hints.push(
        `leave connection ${s.conn} out with --conn (a masked URL or body value cannot be supplied)`,
      );
    out.push({
      conn: s.conn,
      index: i + 1,
      request: `${e.method} ${e.url} (redacted: ${missing.join(', ')})`,
      hint: hints.join(' or '),
    });
  });
  return out;
}
