// HTTP replay: every recorded request resent on one keep-alive connection per recorded
// connection, and the answer compared with the recorded response: status, the headers that
// matter, and the body (as JSON when both sides parse as JSON, else as bytes). The capture's
// raw bytes are decoded again here with redaction off, so that bodies are whole; a header the
// capture masked must be given with --header, it is never sent as '****'.

import http from 'node:http';
import { decoders } from '../decoders/registry.js';
import type { Session } from './load.js';
import type { Comparison, Plan, ReplaySettings } from './types.js';
import { bytesDiff, valueDiff } from './diff.js';
import { sleepUntil } from './pacing.js';
import { CaptureReadError } from '../capture/reader.js';
import { LooptapError } from '../util/errors.js';
import { cutOff } from './tcp-turns.js';

type Headers = Record<string, string | string[]>;

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
const SECRET = new Set(['authorization', 'proxy-authorization', 'cookie']);

interface Exchange {
  method: string;
  url: string;
  headers: Headers;
  body: Buffer;
  time: number;
  response?: { status: number; headers: Headers; body: Buffer };
}

export function httpPlan(s: Session, file: string, settings: ReplaySettings): Plan | undefined {
  const dec = decoders.http.create({ redact: false, maxValue: 1 << 30 });
  const exchanges: Exchange[] = [];
  let answered = 0;
  for (const c of s.chunks) {
    const step = dec.push(c.from, c.bytes, c.time);
    if (step.fallback || step.opaque) return undefined;
    for (const m of step.messages) {
      const f = m.fields;
      if (m.name === 'request') {
        const headers = f.headers as Headers;
        for (const [name, v] of Object.entries(headers)) {
          const masked =
            SECRET.has(name) &&
            [v].flat().some((x) => /^\*+$/.test(x.trim()) || x.includes('****'));
          const given = settings.headers.some(([n]) => n.toLowerCase() === name);
          if (masked && !given) {
            throw new CaptureReadError(
              file,
              c.line,
              `connection ${s.conn} sends ${f.method as string} ${f.url as string} with a ${name} header the capture redacted: pass --header '${name}: VALUE' to send a real one; nothing was sent`,
            );
          }
        }
        exchanges.push({
          method: f.method as string,
          url: f.url as string,
          headers,
          body: Buffer.from((f.body as string) ?? '', 'base64'),
          time: c.time,
        });
      } else if (m.name === 'response' || m.name === 'upgrade') {
        const e = exchanges[answered++];
        if (e) {
          e.response = {
            status: f.status as number,
            headers: f.headers as Headers,
            body: Buffer.from((f.body as string) ?? '', 'base64'),
          };
        }
      }
    }
  }
  for (const from of ['client', 'server'] as const) {
    if (s.ended[from])
      for (const m of dec.end(from, Date.now()).messages) {
        if (m.name === 'response' && exchanges[answered]) {
          const f = m.fields;
          exchanges[answered++]!.response = {
            status: f.status as number,
            headers: f.headers as Headers,
            body: Buffer.from((f.body as string) ?? '', 'base64'),
          };
        }
      }
  }
  return {
    conn: s.conn,
    kind: 'http',
    start: s.start,
    async run(settings: ReplaySettings, onCompare: (c: Comparison) => void) {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      const t0 = Date.now();
      try {
        for (let i = 0; i < exchanges.length; i++) {
          const e = exchanges[i]!;
          if (settings.pace === 'recorded') await sleepUntil(t0 + (e.time - s.start));
          const got = await send(e, settings, agent, i === 0);
          const c: Comparison = {
            conn: s.conn,
            index: i + 1,
            kind: 'http',
            request: `${e.method} ${e.url}`,
            same: true,
            diffs: [],
            recorded: e.response ? shape(e.response, settings) : null,
            replayed: 'error' in got ? got : shape(got, settings),
          };
          if (!e.response) {
            c.note = cutOff(s)
              ? 'the capture cut this connection off before the answer'
              : 'no recorded answer';
          } else if ('error' in got) {
            c.diffs = [`no answer: ${got.error}`];
          } else c.diffs = compare(e.response, got, settings);
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
): Promise<{ status: number; headers: Headers; body: Buffer } | { error: string }> {
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

function shape(r: { status: number; headers: Headers; body: Buffer }, settings: ReplaySettings) {
  const j = json(r.body);
  return {
    status: r.status,
    headers: compared(r.headers, settings),
    body: j !== undefined ? j : r.body.toString('utf8'),
  };
}

function compare(
  a: { status: number; headers: Headers; body: Buffer },
  b: { status: number; headers: Headers; body: Buffer },
  settings: ReplaySettings,
): string[] {
  const out: string[] = [];
  if (a.status !== b.status) out.push(`status ${a.status} -> ${b.status}`);
  const ha = compared(a.headers, settings);
  const hb = compared(b.headers, settings);
  for (const k of new Set([...Object.keys(ha), ...Object.keys(hb)])) {
    if (ha[k] !== hb[k]) out.push(`header ${k}: ${ha[k] ?? 'absent'} -> ${hb[k] ?? 'absent'}`);
  }
  const ja = json(a.body);
  const jb = json(b.body);
  if (ja !== undefined && jb !== undefined) {
    out.push(...valueDiff(ja, jb, settings.ignoreJsonPaths).map((l) => `body ${l}`));
  } else out.push(...bytesDiff('body bytes', a.body, b.body));
  return out;
}
