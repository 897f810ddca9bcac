// One request/response pair in HTTP mode and the two `message` events it produces. The shapes
// come from the passive HTTP decoder's builders (src/decoders/http/message.ts), so HTTP mode and
// decoded TCP mode write the same fields; HTTP mode adds `id` (pairs request and response),
// `durationMs` (until the body's last byte) and a body preview in the summary.
//
//   client ─req─▶ [request tap] ─▶ upstream        request message: when the body has ended
//   client ◀─res─ [response tap] ◀─ upstream       response message: when the body has ended
//                                                   (text/event-stream: at the head, then one
//                                                    `sse` message per event)

import type { ClientRequest, IncomingMessage } from 'node:http';
import type { CaptureEvent } from '../events.js';
import { LEVEL } from '../events.js';
import type { Decoded } from '../decoders/decoder.js';
import { requestMessage, responseMessage, type HeaderInput } from '../decoders/http/message.js';
import { BodyTap } from './body-tap.js';
import { bodySummary } from './body-preview.js';
import { SseParser } from './sse-tap.js';
import { bodyScanner, lowerPairs, redactText } from '../decoders/http/body-secrets.js';
import { secretNamesOf, type SecretNames } from '../decoders/http/secret-names.js';
import { httpExchange } from '../decoders/http/exchange.js';
import { redactUrl } from '../decoders/http/pair-scanner.js';
import { REDACTED } from '../decoders/summary-text.js';
import { cutMsg, exchangeEvent } from '../relay/exchange-event.js';
import type { FrameDemand } from '../capture/hub.js';
import { isStreamFrame } from '../decoders/key-frames.js';
import { SilenceClock } from './silence-clock.js';
import { now, round } from '../util/time.js';

export { SilenceClock } from './silence-clock.js';

export interface ExchangeContext {
  emit: (e: CaptureEvent) => void;
  redact: boolean;
  maxValue: number;
  /** --redact-header / --redact-field names added to the defaults */
  redactHeaders?: readonly string[];
  redactFields?: readonly string[];
  /** ms the target may stay silent before the client gets 504 */
  timeoutMs: number;
  /** the one timer behind every exchange's silence deadline (made on first use) */
  clock?: SilenceClock;
  /** who takes message events (the hub): without a taker they are not built, only counted */
  frames?: FrameDemand;
}

export class Exchange {
  readonly started = now();
  readonly requestBody: BodyTap;
  responseBody?: BodyTap;
  proxyReq?: ClientRequest;
  timedOut = false;
  /** the client went away before the response was complete */
  clientGone = false;
  /** the target broke off in the middle of the response */
  upstreamBroke = false;
  private requestSent = false;
  private requestDecoded?: Decoded;
  private exchangeSent = false;
  private responseSent = false;
  private streamHeadSent = false;
  private requestDoneAt?: number;
  headAt?: number;
  /** performance.now() by which the target must answer (SilenceClock) */
  deadline = 0;
  private onSilence?: () => void;
  private sse?: SseParser;
  readonly opts: {
    redact: boolean;
    maxValue: number;
    redactHeaders?: readonly string[];
    redactFields?: readonly string[];
  };
  readonly names: SecretNames;
  /** extra fields for the request message (`upgradeDeclined: 'h2c'`) */
  readonly note: Record<string, unknown> = {};

  constructor(
    private readonly ctx: ExchangeContext,
    readonly conn: number,
    readonly id: number,
    readonly req: IncomingMessage,
  ) {
    this.opts = {
      redact: ctx.redact,
      maxValue: ctx.maxValue,
      redactHeaders: ctx.redactHeaders,
      redactFields: ctx.redactFields,
    };
    this.names = secretNamesOf(this.opts);
    this.requestBody = new BodyTap(ctx.maxValue, this.scannerFor(req.rawHeaders));
  }

  /** the secret scanner for a body with these headers, when redaction is on */
  private scannerFor(rawHeaders: string[]) {
    return this.ctx.redact ? bodyScanner(lowerPairs(rawHeaders), this.names) : undefined;
  }

  /** (re)starts the silence timer: the target has `timeoutMs` to send a response head, counted
   * from the last request byte that went out, so a long upload is not a silent target */
  armTimer(onTimeout: () => void): void {
    if (this.headAt !== undefined || this.ctx.timeoutMs <= 0) return;
    this.onSilence = onTimeout;
    (this.ctx.clock ??= new SilenceClock(this.ctx.timeoutMs)).arm(this);
  }

  clearTimer(): void {
    this.ctx.clock?.disarm(this);
  }

  /** SilenceClock: the deadline passed without a response head */
  silenceExpired(): void {
    this.timedOut = true;
    this.onSilence?.();
  }

  /** the request body ended (or never will): emit the request message once */
  emitRequest(extra: Record<string, unknown> = {}): void {
    if (this.requestSent) return;
    this.requestSent = true;
    const req = this.req;
    this.requestDoneAt = now();
    const complete = this.requestBody.done;
    const d = requestMessage(
      {
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        version: req.httpVersion,
        headers: req.rawHeaders,
        body: this.requestBody.bytes(),
        bodyLength: this.requestBody.length,
        bodyRedacted: this.requestBody.redacted,
        ...(req.rawTrailers.length > 0 ? { trailers: req.rawTrailers } : {}),
        ...(complete || this.requestBody.length === 0 ? {} : { incomplete: true }),
      },
      this.opts,
    );
    const preview = bodySummary(
      this.requestBody.bytes(),
      this.requestBody.length,
      headersOf(d),
      this.ctx.redact ? this.names : undefined,
    );
    if (preview) d.summary += ` ${preview}`;
    d.fields.durationMs = round(this.requestDoneAt - this.started);
    this.requestDecoded = d;
    this.out(d, this.started, { ...this.note, ...extra });
  }

  /** the upstream's response head arrived; `onEnd` runs when its body has ended */
  responseHead(res: IncomingMessage, onEnd?: () => void): void {
    this.headAt = now();
    this.clearTimer();
    this.responseBody = new BodyTap(this.ctx.maxValue, this.scannerFor(res.rawHeaders));
    const type = res.headers['content-type'] ?? '';
    if (/^text\/event-stream\b/i.test(type)) {
      // a stream that may never end: show the head now and each event as it passes
      this.emitResponse(res, { streaming: true });
      this.sse = new SseParser(this.ctx.maxValue);
    }
    const sse = this.sse;
    this.responseBody.watch(
      res,
      sse
        ? (chunk) => {
            for (const e of sse.push(chunk)) this.emitSse(e);
          }
        : undefined,
      onEnd,
    );
  }

  /** the response ended, completely or not */
  responseEnded(res: IncomingMessage, extra: Record<string, unknown> = {}): void {
    this.emitRequest();
    if (this.responseSent) return;
    this.emitResponse(res, {
      ...extra,
      durationMs: round(now() - this.started),
    });
  }

  private emitResponse(res: IncomingMessage, extra: Record<string, unknown>): void {
    // an event stream's head is shown at once; its body, length and end come with the second
    // response, when the stream ends (before, the head counted as the response and the second
    // never came: an SSE body was in no message, the HAR and replay saw it empty)
    if (extra.streaming) this.streamHeadSent = true;
    else this.responseSent = true;
    const body = this.responseBody ?? new BodyTap(0);
    const complete = res.complete;
    const latencyMs = round((this.headAt ?? now()) - this.started);
    const d = responseMessage(
      {
        status: res.statusCode ?? 0,
        reason: res.statusMessage ?? '',
        version: res.httpVersion,
        headers: res.rawHeaders,
        body: body.bytes(),
        bodyLength: body.length,
        bodyRedacted: body.redacted,
        latencyMs,
        ...(res.rawTrailers.length > 0 ? { trailers: res.rawTrailers } : {}),
        ...(complete || extra.streaming ? {} : { incomplete: true }),
      },
      this.opts,
    );
    d.summary = responseSummary(d, body, this.ctx.redact ? this.names : undefined);
    this.out(d, this.headAt ?? now(), extra);
    this.emitExchange(d, now());
  }

  /** looptap answered itself (502, 504, 431): recorded like any response, marked `generated` */
  emitGenerated(status: number, reason: string, body: string, headers: HeaderInput): void {
    this.emitRequest();
    // the client already has a head: looptap cannot answer in its place any more
    if (this.responseSent || this.streamHeadSent) return;
    this.responseSent = true;
    const t = now();
    const bytes = Buffer.from(body);
    const d = responseMessage(
      {
        status,
        reason,
        version: '1.1',
        headers,
        body: bytes,
        latencyMs: round(t - this.started),
      },
      this.opts,
    );
    d.summary = `${status} ${reason} (looptap): ${body.trim()}`;
    this.out(d, t, { generated: true, durationMs: round(t - this.started) });
    d.fields.generated = true;
    this.emitExchange(d, t);
  }

  /** a WebSocket handshake answered 101: the handshake is the exchange (before, an upgrade had
   * none, so the view, the UI and filters showed such a connection empty); the frames that
   * follow are messages of their own */
  upgraded(d: Decoded, t: number): void {
    this.responseSent = true;
    this.emitExchange(d, t);
  }

  /** the client left before any answer: the exchange is recorded without one */
  abandon(): void {
    this.emitExchange(undefined, undefined);
  }

  /** the one `exchange` event of this request (issue 10), the same shape as TCP mode's */
  private emitExchange(res: Decoded | undefined, end: number | undefined): void {
    if (this.exchangeSent) return;
    this.exchangeSent = true;
    const req = { method: this.req.method ?? 'GET', url: this.req.url ?? '/' };
    const x = httpExchange(
      this.requestDecoded ?? req,
      res,
      this.started,
      end,
      this.ctx.maxValue,
      this.ctx.redact ? this.names : undefined,
    );
    if (!this.requestDecoded && this.ctx.redact) {
      // the request message is not out yet (an answer before the upload ended): redact here
      const url = redactUrl(req.url, this.names, REDACTED);
      x.request = { ...x.request, url, text: `${req.method} ${url}` };
    }
    const event = exchangeEvent(this.conn, 'http', x, undefined);
    this.ctx.emit(event);
  }

  private emitSse(e: { event: string; data: string; id?: string; truncated?: boolean }): void {
    if (this.ctx.redact) e = { ...e, data: redactText(e.data, this.names) };
    const data = e.data.replace(/\s+/g, ' ');
    this.out(
      {
        from: 'server',
        name: 'sse',
        summary: `${e.event}: ${data.length > 120 ? data.slice(0, 120) + '…' : data}`,
        fields: { ...e },
      },
      now(),
      {},
    );
  }

  /** emits a decoded message of this exchange (upgrade, websocket frames) */
  out(d: Decoded, time: number, extra: Record<string, unknown>): void {
    // the request and response stay decoded (the exchange is made of them); only the frame
    // event waits for someone who reads frames (docs/architecture.md, "Frames on demand")
    // a stream's events and frames are built all the same: no exchange carries them, and the
    // view shows them beside the exchanges (key-frames.ts)
    const frames = this.ctx.frames;
    if (frames && !isStreamFrame(d.name) && !frames.wantsFrames('http')) {
      return frames.framesSkipped('http', 1);
    }
    const text = `${d.name} ${d.summary}`;
    this.ctx.emit({
      type: 'message',
      time: Math.floor(time),
      level: d.level ?? LEVEL.info,
      msg: cutMsg(text),
      conn: this.conn,
      from: d.from,
      protocol: 'http',
      name: d.name,
      fields: { summary: d.summary, id: this.id, ...d.fields, ...extra },
      ...(d.latencyMs !== undefined ? { latencyMs: d.latencyMs } : {}),
    });
  }
}

function headersOf(d: Decoded): Record<string, string | string[]> {
  return d.fields.headers as Record<string, string | string[]>;
}

function responseSummary(d: Decoded, body: BodyTap, names: SecretNames | undefined): string {
  const status = `${d.fields.status as number}${d.fields.reason ? ` ${d.fields.reason as string}` : ''}`;
  const preview = bodySummary(body.bytes(), body.length, headersOf(d), names);
  return preview ? `${status} ${preview}` : status;
}
