// HTTP replay: every recorded request resent on one keep-alive connection per recorded
// connection, and the answer compared with the recorded response: status, the headers that
// matter, and the body (as JSON when both sides parse as JSON, else as bytes). TCP-mode captures
// are decoded again from their raw bytes with redaction off, so that bodies are whole; HTTP-mode
// captures (`looptap http`) are read from their request/response messages (http-exchanges.ts).
// A request the capture masked (a header, a URL or body value) goes in Plan.redacted and is never
// sent as captured; a masked header may be supplied with --header.

import http from 'node:http';
import type { Session } from './load.js';
import type { Comparison, Plan, ReplaySettings } from './types.js';
import { refusal } from './refusal.js';
import {
  fromChunks,
  fromMessages,
  redactedRequests,
  type Exchange,
  type Headers,
  type Recorded,
} from './http-exchanges.js';
import { bodyScanner, lowerPairs, maskWith } from '../decoders/http/body-secrets.js';
import { DEFAULT_SECRET_NAMES } from '../decoders/http/secret-names.js';
import { REDACTED } from '../decoders/summary-text.js';
import { bytesDiff, valueDiff } from './diff.js';
import { sleepUntil } from './pacing.js';
import { LooptapError } from '../util/errors.js';
import { cutOff } from './tcp-turns.js';

/** answers that change on every run, or only describe framing: not compared by default */
export const VOLATILE_HEADERS = [
  'date',
  'etag',
  'last-modified',
  'age',
  'expires',
  'server-timing',
  'x-request-id',
  'request-id',
  'x-correlation-id',
  'x-trace-id',
  'traceparent',
  'tracestate',
  'x-amzn-requestid',
  'x-amz-request-id',
  'x-response-time',
  'x-runtime',
  'cf-ray',
  'set-cookie',
  'report-to',
  'nel',
  'connection',
  'keep-alive',
  'transfer-encoding',
  'content-length',
  'via',
];
const NOT_RESENT = [
  'connection',
  'keep-alive',
  'transfer-encoding',
  'content-length',
  'proxy-connection',
  'te',
  'trailer',
  'upgrade',
];
/** an answer with its body whole, as sent or as the capture holds it */
type Answer = { status: number; headers: Headers; body: Buffer };

export function httpPlan(s: Session, file: string, settings: ReplaySettings): Plan | undefined {
  // a capture of `looptap http` has messages and no raw bytes
  const exchanges = s.chunks.length === 0 ? fromMessages(s, file) : fromChunks(s);
  if (!exchanges) return undefined;
  const redacted = redactedRequests(s, exchanges, settings);
  return {
    conn: s.conn,
    kind: 'http',
    start: s.start,
    ...(redacted.length > 0 ? { redacted } : {}),
    async run(settings: ReplaySettings, onCompare: (c: Comparison) => void) {
      // never a mask on the wire, whoever runs this plan (replay refuses before connecting)
      if (redacted.length > 0) throw refusal(redacted);
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      const t0 = Date.now();
      try {
        for (let i = 0; i < exchanges.length; i++) {
          const e = exchanges[i]!;
          if (settings.pace === 'recorded') await sleepUntil(t0 + (e.time - s.start));
          const answer = await send(e, settings, agent, i === 0);
          // what the target answered is an output like any other: masked before it is shown
          // or compared (the report and the diff lines printed it whole)
          const got = 'error' in answer ? answer : masked(answer);
          const recorded = e.response ? { ...e.response, ...masked(e.response) } : undefined;
          const c: Comparison = {
            conn: s.conn,
            index: i + 1,
            kind: 'http',
            request: `${e.method} ${e.url}`,
            same: true,
            diffs: [],
            recorded: recorded ? shape(recorded, settings) : null,
            replayed: 'error' in got ? got : shape(got, settings),
          };
          if (!recorded) {
            c.note = cutOff(s)
              ? 'the capture cut this connection off before the answer'
              : 'no recorded answer';
          } else if ('error' in got) {
            c.diffs = [`no answer: ${got.error}`];
          } else {
            c.diffs = compare(recorded, got, settings);
            const note = bodyNote(recorded);
            if (note) c.note = note;
          }
          c.same = c.diffs.length === 0;
          onCompare(c);
        }
      } finally {
        agent.destroy();
      }
    },
  };
}

function send(
  e: Exchange,
  settings: ReplaySettings,
  agent: http.Agent,
  first: boolean,
): Promise<Answer | { error: string }> {
  const headers: Headers = {};
  for (const [k, v] of Object.entries(e.headers)) if (!NOT_RESENT.includes(k)) headers[k] = v;
  // --header replaces a recorded header; requests that did not carry it stay without it
  for (const [k, v] of settings.headers)
    if (e.headers[k.toLowerCase()] !== undefined) headers[k.toLowerCase()] = v;
  if (e.body.length > 0 || !['GET', 'HEAD', 'DELETE', 'OPTIONS'].includes(e.method)) {
    headers['content-length'] = String(e.body.length);
  }
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: settings.host,
        port: settings.port,
        method: e.method,
        path: e.url,
        headers,
        agent,
        setHost: false,
      },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('error', (err) => resolve({ error: err.message }));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers as Headers,
            body: Buffer.concat(parts),
          }),
        );
      },
    );
    req.setTimeout(settings.timeoutMs, () =>
      req.destroy(new Error(`no answer within ${settings.timeoutMs} ms`)),
    );
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (first && err.code === 'ECONNREFUSED') {
        reject(
          new LooptapError(
            'ECONNREFUSED',
            `replay target ${settings.host}:${settings.port} is unreachable (ECONNREFUSED): start the server or fix --target`,
          ),
        );
      } else resolve({ error: err.code ?? err.message });
    });
    req.end(e.body);
  });
}

function compared(h: Headers, settings: ReplaySettings): Record<string, string> {
  const skip = new Set([
    ...VOLATILE_HEADERS,
    ...settings.ignoreHeaders.map((x) => x.toLowerCase()),
  ]);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (!skip.has(k)) out[k] = [v].flat().join(', ');
  return out;
}

function json(b: Buffer): unknown {
  try {
    return b.length ? JSON.parse(b.toString('utf8')) : undefined;
  } catch {
    return undefined;
  }
}

function shape(r: Answer, settings: ReplaySettings) {
  const j = json(r.body);
  return {
    status: r.status,
    headers: compared(r.headers, settings),
    body: j !== undefined ? j : r.body.toString('utf8'),
  };
}

/** a header value the capture masked: what the target answers there cannot be compared */
const maskedValue = (v: string | undefined): boolean =>
  v !== undefined && (v === REDACTED || /^\*+$/.test(v.trim()));

/** an answer masked as a capture masks one (the default names: a capture does not record
 * --redact-field): secret header values become [redacted], secret body fields '*' runs */
function masked(r: Answer): Answer {
  const headers: Headers = {};
  for (const [k, v] of Object.entries(r.headers)) {
    headers[k] = DEFAULT_SECRET_NAMES.header(k) ? REDACTED : v;
  }
  const scanner = bodyScanner(lowerPairs(r.headers), DEFAULT_SECRET_NAMES);
  return { status: r.status, headers, body: scanner ? maskWith(r.body, scanner).bytes : r.body };
}

function bodyNote(a: Recorded): string | undefined {
  if (a.headOnly) {
    return "the capture holds this event stream's head only (looptap before 3 Dec 2026): its body was not compared";
  }
  if (a.cut !== undefined) {
    return `the capture kept the first ${a.body.length} of the body's ${a.cut} bytes (--max-value): those and the length were compared`;
  }
  return undefined;
}

function compare(a: Recorded, b: Answer, settings: ReplaySettings): string[] {
  const out: string[] = [];
  if (a.status !== b.status) out.push(`status ${a.status} -> ${b.status}`);
  const ha = compared(a.headers, settings);
  const hb = compared(b.headers, settings);
  for (const k of new Set([...Object.keys(ha), ...Object.keys(hb)])) {
    if (maskedValue(ha[k]) && hb[k] !== undefined) continue;
    if (ha[k] !== hb[k]) out.push(`header ${k}: ${ha[k] ?? 'absent'} -> ${hb[k] ?? 'absent'}`);
  }
  if (a.headOnly) return out;
  if (a.cut !== undefined) {
    out.push(...bytesDiff('body bytes', a.body, b.body.subarray(0, a.body.length)));
    if (a.cut !== b.body.length) out.push(`body length ${a.cut} -> ${b.body.length}`);
    return out;
  }
  const ja = json(a.body);
  const jb = json(b.body);
  if (ja !== undefined && jb !== undefined) {
    out.push(...valueDiff(ja, jb, settings.ignoreJsonPaths).map((l) => `body ${l}`));
  } else out.push(...bytesDiff('body bytes', a.body, b.body));
  return out;
}
