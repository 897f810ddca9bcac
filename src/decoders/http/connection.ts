// One HTTP/1.1 connection seen from the middle: the client side parses requests, the server side
// responses, and a FIFO of the requests in flight pairs them (keep-alive and pipelining answer in
// order; a HEAD answer has no body; 1xx answers come before the final one). A 101 or a 2xx to
// CONNECT ends HTTP on the connection: one 'upgrade' message, then opaque.
//
//   client bytes ─▶ Side(head ▸ body) ─▶ request ─┐ FIFO {method, url, time}
//   server bytes ─▶ Side(head ▸ body) ─▶ response ◀┘

import { ByteQueue } from '../byte-queue.js';
import type { DecodeStep, Decoded, Decoder, DecoderOptions, Mask } from '../decoder.js';
import type { From } from '../../events.js';
import { BodyReader } from './body.js';
import { sideMessage, type Pending, type Side } from './side.js';
import { framing, type Framing } from './framing.js';
import {
  HeadScanner,
  parseRequestHead,
  parseResponseHead,
  values,
  type RequestHead,
} from './head.js';
import { upgradeMessage } from './message.js';
import { looksLikeTls, sniOf, tlsMessage } from './tls.js';
import { secretNamesOf, type SecretNames } from './secret-names.js';
import { bodyScanner } from './body-secrets.js';
import { HttpSecretScanner, handOff } from './fallback-scanner.js';
import { httpExchange } from './exchange.js';

/** the most client bytes held while waiting for the answer to an Upgrade/CONNECT request */
const WAIT_CAP = 64 * 1024;
const FIFO_CAP = 10_000;
/** the most of a ClientHello record we wait for to read its server name */
const HELLO_CAP = 16 * 1024 + 5;

export class HttpConnection implements Decoder {
  readonly protocol = 'http' as const;
  private readonly sides: Record<From, Side>;
  private readonly fifo: Pending[] = [];
  private done = false;
  private readonly names: SecretNames;
  private waitScanner?: HttpSecretScanner;

  constructor(private readonly options: DecoderOptions) {
    const names = (this.names = secretNamesOf(options));
    const side = (from: From): Side => ({
      q: new ByteQueue(),
      scanner: new HeadScanner(from, true, options.redact, names),
      phase: 'head',
      start: undefined,
      ambiguous: false,
    });
    this.sides = { client: side('client'), server: side('server') };
  }

  push(from: From, chunk: Buffer, time: number): DecodeStep {
    if (this.done) return { messages: [] };
    const side = this.sides[from];
    const step: Required<Pick<DecodeStep, 'messages'>> & DecodeStep = { messages: [], masks: [] };
    if (side.phase === 'wait' && this.options.redact) {
      // held until the Upgrade answer, yet recorded now: mask what a header line would hide
      this.waitScanner ??= new HttpSecretScanner(this.names);
      step.masks!.push(...this.waitScanner.push(from, chunk, side.q.offset + side.q.length));
    }
    side.q.push(chunk);
    if (side.start === undefined && side.q.length > 0) side.start = time;
    this.run(from, time, step);
    return this.finish(step);
  }

  end(from: From, time: number): DecodeStep {
    if (this.done) return { messages: [] };
    const side = this.sides[from];
    const step: DecodeStep = { messages: [], masks: [] };
    if (side.phase === 'body' && side.body) {
      const complete = side.body.kind === 'close';
      const msg = this.message(from, side, !complete);
      step.messages.push(msg);
      if (side.answering) this.exchange(step, side.answering, msg, time);
      this.next(side, time);
    }
    return this.finish(step);
  }

  private finish(step: DecodeStep): DecodeStep {
    if (step.masks && step.masks.length === 0) delete step.masks;
    if (step.fallback && this.options.redact) {
      // the bytes of this chunk the parser never read are recorded too: scan them as lines,
      // and leave the scanner's state to the Observer's scanner for the chunks that follow
      const scanner = new HttpSecretScanner(this.names);
      for (const from of ['client', 'server'] as const) {
        const q = this.sides[from].q;
        if (q.length === 0) continue;
        (step.masks ??= []).push(...scanner.push(from, q.peek(q.length), q.offset));
      }
      handOff(this.options, scanner);
    }
    if (step.opaque || step.fallback) {
      this.done = true;
      this.sides.client.q.clear();
      this.sides.server.q.clear();
    }
    return step;
  }

  private fail(step: DecodeStep, reason: string): void {
    step.fallback = reason;
  }

  private run(from: From, time: number, step: DecodeStep): void {
    const side = this.sides[from];
    const masks = step.masks as Mask[];
    while (!step.fallback && !step.opaque) {
      if (side.phase === 'wait') {
        if (side.q.length > WAIT_CAP)
          this.fail(step, 'client sent too much before the upgrade answer');
        return;
      }
      if (side.phase === 'head') {
        if (side.q.length === 0) return;
        if (from === 'client' && side.q.offset === 0 && side.q.at(0) === 0x16) {
          if (side.q.length < 5) return;
          if (looksLikeTls(side.q.at(0), side.q.at(1))) {
            const need = Math.min(HELLO_CAP, 5 + ((side.q.at(3) << 8) | side.q.at(4)));
            if (side.q.length < need) return;
            step.messages.push(tlsMessage(sniOf(side.q.peek(need))));
            step.opaque = true;
            return;
          }
        }
        const r = side.scanner.scan(side.q, masks);
        if (r === 'more') return;
        if ('error' in r) return this.fail(step, r.error);
        if (from === 'client') this.onRequestHead(side, r.head, step);
        else this.onResponseHead(side, r.head, time, step);
        continue;
      }
      // body
      const r = side.body!.read(side.q, masks);
      if (r === 'more') return;
      if (r !== 'done') return this.fail(step, r.error);
      const msg = this.message(from, side, false);
      step.messages.push(msg);
      const pending = side.pending;
      if (pending) pending.decoded = msg;
      if (side.answering) this.exchange(step, side.answering, msg, time);
      this.next(side, time);
      if (pending?.upgrade && !pending.answered) side.phase = 'wait';
    }
  }

  private next(side: Side, time: number): void {
    side.phase = 'head';
    side.req = side.res = side.body = side.latencyMs = side.pending = side.answering = undefined;
    side.ambiguous = false;
    side.start = side.q.length > 0 ? time : undefined;
  }

  private onRequestHead(side: Side, head: Buffer, step: DecodeStep): void {
    const req = parseRequestHead(head);
    if (typeof req === 'string') return this.fail(step, req);
    const f = framing(req.fields, true);
    side.req = req;
    side.ambiguous = f.ambiguous;
    const connect = req.method === 'CONNECT';
    const upgrade =
      connect ||
      (values(req.fields, 'upgrade').length > 0 &&
        values(req.fields, 'connection').some((v) => /(^|,)\s*upgrade\s*(,|$)/i.test(v)));
    if (this.fifo.length >= FIFO_CAP) return this.fail(step, 'too many requests without answers');
    side.pending = {
      method: req.method,
      url: req.url,
      time: side.start ?? 0,
      upgrade,
      answered: false,
    };
    this.fifo.push(side.pending);
    if (f.error) {
      step.messages.push(this.message('client', side, true));
      return this.fail(step, f.error);
    }
    side.body = this.bodyReader(f, 'client', req.fields);
    side.phase = 'body';
  }

  private onResponseHead(side: Side, head: Buffer, time: number, step: DecodeStep): void {
    const res = parseResponseHead(head);
    if (typeof res === 'string') return this.fail(step, res);
    const informational = res.status >= 100 && res.status < 200 && res.status !== 101;
    const pending = informational ? this.fifo[0] : this.fifo.shift();
    side.res = res;
    side.latencyMs = pending && side.start !== undefined ? side.start - pending.time : undefined;
    const method = pending?.method ?? 'GET';
    if (res.status === 101 || (method === 'CONNECT' && res.status >= 200 && res.status < 300)) {
      const proto = res.status === 101 ? (values(res.fields, 'upgrade')[0] ?? 'unknown') : 'tunnel';
      const up = upgradeMessage(
        {
          status: res.status,
          reason: res.reason,
          version: res.version,
          headers: res.fields,
          upgrade: proto.toLowerCase(),
          url: method === 'CONNECT' ? pending?.url : undefined,
          latencyMs: side.latencyMs,
        },
        this.options,
      );
      step.messages.push(up);
      if (pending) this.exchange(step, pending, up, time);
      step.opaque = true;
      return;
    }
    if (pending && !informational) {
      pending.answered = true;
      side.answering = pending;
    }
    if (pending?.upgrade && !informational) this.resumeClient(time, step);
    const noBody = informational || method === 'HEAD' || res.status === 204 || res.status === 304;
    const f: Framing = noBody
      ? { kind: 'length', length: 0, ambiguous: false }
      : framing(res.fields, false);
    side.ambiguous = f.ambiguous;
    if (f.error) {
      step.messages.push(this.message('server', side, true));
      return this.fail(step, f.error);
    }
    side.body = this.bodyReader(f, 'server', noBody ? [] : res.fields);
    side.phase = 'body';
  }

  /** one exchange: `pending`'s request and its final answer `res`, complete at `time` */
  private exchange(step: DecodeStep, pending: Pending, res: Decoded, time: number): void {
    const req = pending.decoded ?? { method: pending.method, url: pending.url };
    (step.exchanges ??= []).push(
      httpExchange(
        req,
        res,
        pending.time,
        time,
        this.options.maxValue,
        this.options.redact ? this.names : undefined,
      ),
    );
  }

  private bodyReader(f: Framing, from: From, fields: RequestHead['fields']): BodyReader {
    const kind = f.kind === 'none' ? 'length' : f.kind;
    const empty = kind === 'length' && f.length === 0;
    const redact = this.options.redact;
    return new BodyReader(
      kind,
      f.length,
      this.options.maxValue,
      from,
      redact,
      this.names,
      redact && !empty ? bodyScanner(fields, this.names) : undefined,
    );
  }

  /** the server refused an upgrade: the client's held bytes are HTTP again */
  private resumeClient(time: number, step: DecodeStep): void {
    const client = this.sides.client;
    if (client.phase !== 'wait') return;
    client.phase = 'head';
    // `start` was set when the held bytes arrived
    this.run('client', time, step);
  }

  private message(from: From, side: Side, incomplete: boolean): Decoded {
    return sideMessage(from, side, incomplete, this.options);
  }
}
