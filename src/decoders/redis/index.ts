// The Redis decoder (RESP2, RESP3 and inline commands). One instance per connection:
//
//   client bytes ─▶ RequestReader (multibulk | inline) ─▶ 'command' ─▶ Session FIFO
//   server bytes ─▶ RespReader (iterative, capped) ─────▶ 'reply' (paired, latencyMs) | 'push'
//                                                        └▶ exchanges (exchanges.ts)
//
// Secrets (AUTH, HELLO AUTH, CONFIG SET requirepass, MIGRATE AUTH, ACL SETUSER >pw, and CONFIG
// GET replies) become "[redacted]" in messages and masks over their bytes. See docs/decoders/redis.md.

import { ByteQueue } from '../byte-queue.js';
import type { From } from '../../events.js';
import type {
  DecodeStep,
  Decoded,
  Decoder,
  DecoderModule,
  DecoderOptions,
  ExchangeDraft,
  Mask,
} from '../decoder.js';
import { NOTHING } from '../decoder.js';
import type { ParsedCommand } from './command-args.js';
import { commandSummary, errorOf, pushSummary, replyJson, replySummary } from './format.js';
import { RequestReader } from './request.js';
import { type RespNode, RespReader } from './resp.js';
import { configGetSecret } from './secrets.js';
import { Session } from './session.js';
import { Exchanges } from './exchanges.js';
import { sniffRedis } from './sniff.js';
import { redisScanner } from './scanner.js';
import { sniOf } from '../tls-hello.js';
import { oneLine } from '../summary-text.js';

class RedisDecoder implements Decoder {
  readonly protocol = 'redis' as const;
  private readonly cq = new ByteQueue();
  private readonly sq = new ByteQueue();
  private readonly req: RequestReader;
  private readonly rep: RespReader;
  private readonly session = new Session();
  private readonly exchanges = new Exchanges();
  private masks: Mask[] = [];
  private messages: Decoded[] = [];
  private drafts: ExchangeDraft[] = [];
  private stopped = false;
  private replyStart = 0;

  constructor(private readonly options: DecoderOptions) {
    const mask = (from: From) => (start: number, end: number) => {
      this.masks.push({ from, start, end });
    };
    this.req = new RequestReader(this.cq, options.maxValue, options.redact, mask('client'));
    this.rep = new RespReader(this.sq, options.maxValue, mask('server'));
  }

  push(from: From, chunk: Buffer, time: number): DecodeStep {
    if (this.stopped || chunk.length === 0) return NOTHING;
    this.messages = [];
    this.masks = [];
    this.drafts = [];
    let fallback: string | undefined;
    try {
      if (from === 'client') {
        if (this.cq.offset === 0 && this.req.idle && chunk[0] === 0x16) return this.tls(chunk);
        fallback = this.client(chunk, time);
      } else fallback = this.server(chunk, time);
    } catch (err) {
      fallback = `redis decoder error: ${(err as Error).message}`;
    }
    if (fallback) this.stopped = true;
    const step: DecodeStep = { messages: this.messages };
    if (this.drafts.length > 0) step.exchanges = this.drafts;
    if (this.masks.length > 0) step.masks = this.masks;
    if (fallback) step.fallback = fallback;
    return step;
  }

  /** the server closed: the commands it did not answer are incomplete exchanges */
  end(from: From): DecodeStep {
    if (this.stopped || from !== 'server') return NOTHING;
    const left = this.session.drain();
    if (left.length === 0) return NOTHING;
    return { messages: [], exchanges: left.map((p) => this.exchanges.unanswered(p)) };
  }

  private client(chunk: Buffer, time: number): string | undefined {
    if (this.req.idle) this.req.startTime = time;
    this.cq.push(chunk);
    for (let cmd = this.req.next(); cmd; cmd = this.req.next()) {
      this.command(cmd);
      this.req.startTime = time;
    }
    return this.req.failed;
  }

  private server(chunk: Buffer, time: number): string | undefined {
    if (this.rep.idle) this.replyStart = time;
    this.sq.push(chunk);
    for (;;) {
      this.rep.secretChild =
        this.options.redact && this.session.peek()?.configGet ? configGetSecret : undefined;
      const v = this.rep.next();
      if (!v) break;
      this.reply(v, this.replyStart, this.rep.lastCut, time);
      this.replyStart = time;
    }
    return this.rep.failed;
  }

  private command(cmd: ParsedCommand): void {
    const fields: Record<string, unknown> = { command: cmd.args };
    if (cmd.argc > cmd.args.length) fields.argc = cmd.argc;
    if (cmd.truncated) fields.truncated = true;
    const summary = commandSummary(cmd);
    this.messages.push({ from: 'client', name: 'command', summary, fields });
    const pending = this.session.command(cmd);
    if (pending) this.exchanges.attach(pending, cmd, summary);
  }

  private reply(v: RespNode, start: number, cut: boolean, time: number): void {
    const { kind, pending, done } = this.session.reply(v);
    if (kind !== 'reply') this.drafts.push(this.exchanges.push(v, time, kind === 'monitor'));
    else if (pending) {
      const draft = this.exchanges.reply(pending, v, done === true, time);
      if (draft) this.drafts.push(draft);
    }
    const fields: Record<string, unknown> = { reply: replyJson(v) };
    if (v.attrs) fields.attributes = replyJson(v.attrs);
    if (cut) fields.truncated = true;
    if (kind !== 'reply') {
      const summary = kind === 'push' ? pushSummary(v) : oneLine(v.text ?? '');
      this.messages.push({ from: 'server', name: kind, summary, fields });
      return;
    }
    const msg: Decoded = { from: 'server', name: 'reply', summary: replySummary(v), fields };
    if (pending) {
      fields.request = pending.name;
      msg.latencyMs = Math.max(0, start - pending.time);
      if (pending.prevProto !== undefined) fields.proto = this.session.proto;
    }
    if (v.k === '-' || v.k === '!') {
      fields.error = errorOf(v);
      msg.level = 40;
    }
    this.messages.push(msg);
  }

  private tls(chunk: Buffer): DecodeStep {
    this.stopped = true;
    const sni = sniOf(chunk);
    const summary =
      `TLS${sni ? ` (SNI ${sni})` : ''}: the commands are encrypted; ` +
      'connect without --tls (redis:// instead of rediss://) to see them';
    const fields: Record<string, unknown> = sni ? { sni } : {};
    return { messages: [{ from: 'client', name: 'tls', summary, fields }], opaque: true };
  }
}

export const redis: DecoderModule = {
  protocol: 'redis',
  sniff: (from, head) => {
    try {
      return sniffRedis(from, head);
    } catch {
      return 'no';
    }
  },
  create: (options) => new RedisDecoder(options),
  scanner: redisScanner,
};
