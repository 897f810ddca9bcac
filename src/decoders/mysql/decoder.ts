// The MySQL / MariaDB decoder: one instance per connection, fed both directions in relay order.
//
//   server ─▶ [Decompressor] ─▶ PacketFramer ─▶ greeting / auth / Responses (FIFO of commands)
//   client ─▶ [Decompressor] ─▶ PacketFramer ─▶ login / auth responses / parseCommand
//
// Phases: greeting → login (HandshakeResponse41 or SSLRequest) → auth (until OK/ERR) → command.
// Secrets are masked from the moment a packet's first byte is known: the login payload after its
// 32 fixed bytes, every client auth packet, the data of AuthSwitchRequest/AuthMoreData, and
// COM_CHANGE_USER after its command byte; passwords in SQL literals when the packet is complete.
// A packet too short for what the protocol needs of it comes back unread (the reader's `why`):
// the peer's fault, so a fallback; anything thrown is a bug here and goes up to the Observer.
// See docs/decoders/mysql.md.

import type { From } from '../../events.js';
import { ByteQueue } from '../byte-queue.js';
import type {
  Decoded,
  DecodeStep,
  Decoder,
  DecoderOptions,
  ExchangeDraft,
  Mask,
} from '../decoder.js';
import { NOTHING } from '../decoder.js';
import { COM, parseCommand } from './commands.js';
import {
  CAP,
  LOGIN_FIXED,
  authResponseMessage,
  isSslRequest,
  tlsMessage,
  parseGreeting,
  parseLogin,
} from './handshake.js';
import type { Packet } from './packets.js';
import { Decompressor } from './packets.js';
import type { RespCtx } from './answers.js';
import { alone, authAnswer, errMessage } from './answers.js';
import { draft, pendingOf } from './exchange.js';
import type { Unread } from './reader.js';
import { Responses } from './responses.js';
import { SqlSecretScanner } from './scanner.js';
import type { Dir } from './dir.js';
import { closeOpen, newDir, openSecret, resetDir, scanPartial, secretRange } from './dir.js';

type Phase = 'greeting' | 'login' | 'auth' | 'command';

const MAX_PENDING = 10000;
/** ff, code (2), '#', SQLSTATE (5) */
const ERR_MESSAGE_AT = 9;

export class MysqlDecoder implements Decoder {
  readonly protocol = 'mysql' as const;
  private phase: Phase = 'greeting';
  private stopped = false;
  private serverCaps = 0;
  private serverExt = 0;
  private readonly ctx: RespCtx;
  private readonly responses: Responses;
  private readonly dirs: Record<From, Dir> = {
    client: newDir(),
    server: newDir(),
  };
  private out: Decoded[] = [];
  private masks: Mask[] = [];
  private exchanges: ExchangeDraft[] = [];
  /** passwords in SQL beyond the kept window of a packet (and in ERR echoes of it) */
  private readonly scanner: SqlSecretScanner | undefined;
  private readonly offsets: Record<From, number> = { client: 0, server: 0 };
  private opaque = false;
  private fallback: string | undefined;

  constructor(private readonly opts: DecoderOptions) {
    this.ctx = {
      caps: 0,
      extCaps: 0,
      maxValue: opts.maxValue,
      maxRows: opts.maxRows ?? 20,
      redact: opts.redact,
      stmts: new Map(),
      lastStmtId: undefined,
    };
    this.responses = new Responses(this.ctx);
    if (opts.redact) this.scanner = new SqlSecretScanner();
  }

  push(from: From, chunk: Buffer, time: number): DecodeStep {
    if (this.stopped || chunk.length === 0) return NOTHING;
    this.out = [];
    this.masks = [];
    this.exchanges = [];
    const offset = this.offsets[from];
    this.offsets[from] += chunk.length;
    const d = this.dirs[from];
    const inRows = this.responses.inRows;
    if (d.dec) d.dec.raw.push(chunk);
    else d.framer.push(chunk, time);
    this.pump(from, time);
    // compressed bytes hold no readable SQL; the login's tail is masked whole already; server
    // bytes are scanned for ERR messages that quote the statement, not for rows of data
    const rows = from === 'server' && inRows && this.responses.inRows;
    if (this.scanner && !d.dec && this.phase === 'command' && !rows) {
      this.masks.push(...this.scanner.push(from, chunk, offset));
    }
    return this.step();
  }

  end(from: From): DecodeStep {
    if (this.stopped || from !== 'server') return NOTHING;
    this.out = [];
    this.masks = [];
    this.exchanges = [];
    // no answer can come any more: what waits is incomplete
    this.responses.flush();
    return this.step();
  }

  private step(): DecodeStep {
    const exchanges = this.responses.exchanges;
    if (exchanges.length) {
      this.exchanges.push(...exchanges);
      this.responses.exchanges = [];
    }
    const quiet = this.out.length === 0 && this.masks.length === 0 && !this.exchanges.length;
    if (quiet && !this.stopped) return NOTHING;
    const step: DecodeStep = { messages: this.out };
    if (this.exchanges.length) step.exchanges = this.exchanges;
    if (this.masks.length) step.masks = this.masks;
    if (this.opaque) step.opaque = true;
    if (this.fallback) step.fallback = this.fallback;
    return step;
  }

  private fail(reason: string): void {
    this.stopped = true;
    this.fallback = reason;
  }

  private emit(...m: Decoded[]): void {
    this.out.push(...m);
  }

  private pump(from: From, time: number): void {
    const d = this.dirs[from];
    const plan = (_seq: number, first: number, frameLen: number, start: number): number =>
      this.plan(from, d, first, frameLen, start);
    while (!this.stopped) {
      if (d.dec) {
        const r = d.dec.pump(d.framer, time);
        if (r === 'zstd') {
          this.emit({
            from,
            name: 'compressed',
            summary: 'compressed (zstd), not decoded',
            fields: { algorithm: 'zstd' },
          });
          this.opaque = true;
          this.stopped = true;
          return;
        }
        if (r) return this.fail(r);
      }
      const p = d.framer.next(plan);
      if (!p) {
        if (this.opts.redact) scanPartial(d, this.ctx, this.masks);
        return;
      }
      if (d.secretFrom !== undefined) secretRange(from, d, p, d.secretFrom, Infinity, this.masks);
      const short = from === 'server' ? this.server(p, time) : this.client(d, p);
      if (short) return this.fail(short.why);
      closeOpen(from, d, p, this.masks);
      if (d.dec) d.dec.prune(p.end);
    }
  }

  /** how much of a packet to keep, and its secret range as soon as the first byte is known */
  private plan(from: From, d: Dir, first: number, frameLen: number, start: number): number {
    let maskFrom: number | undefined;
    let keep = this.opts.maxValue + 256;
    if (from === 'client') {
      if (this.phase === 'login') {
        maskFrom = LOGIN_FIXED;
        keep = this.opts.maxValue + 4096;
      } else if (this.phase === 'auth') maskFrom = 0;
      else if (this.phase === 'command') {
        if (this.responses.infile) keep = 0;
        else if (first === COM.CHANGE_USER) maskFrom = 1;
      }
    } else if (this.phase === 'auth' && (first === 0xfe || first === 0x01)) maskFrom = 1;
    else if (this.phase === 'command') {
      keep = this.responses.keep(first);
      // an ERR answering a statement that held a password may quote it without the words
      // before it (`near ''pw''`), which the scanner would not know: its message is masked
      // (after code and SQLSTATE), and the decoded one has the echoes replaced
      if (first === 0xff && this.responses.fifo[0]?.echoes) {
        maskFrom = this.ctx.caps & CAP.PROTOCOL_41 ? ERR_MESSAGE_AT : 3;
      }
    }
    resetDir(
      d,
      start,
      from === 'client' && this.phase === 'command' && keep > 0 ? first : undefined,
    );
    if (this.opts.redact && maskFrom !== undefined) {
      openSecret(from, d, maskFrom, frameLen, start, this.masks);
    }
    return keep;
  }

  private server(p: Packet, now: number): Unread | undefined {
    const first = p.length === 0 ? -1 : p.data[0]!;
    if (this.phase === 'greeting') {
      if (first === 0x0a) {
        const g = parseGreeting(p.data, this.opts.maxValue);
        if ('why' in g) return g;
        const { msg, greeting } = g;
        this.serverCaps = greeting.caps;
        this.serverExt = greeting.extCaps;
        this.emit(msg);
        this.phase = 'login';
      } else if (first === 0xff) {
        // refused before the greeting (too many connections, a host not allowed)
        const m = alone(errMessage(p, this.ctx, undefined));
        if ('why' in m) return m;
        this.emit(m);
      } else this.fail('not a MySQL greeting');
      return;
    }
    if (this.phase === 'command') {
      const got = this.responses.server(p, now);
      if ('why' in got) return got;
      this.emit(...got);
      return;
    }
    if (first !== 0xff && this.phase !== 'auth') return;
    const head = this.responses.fifo[0];
    const a = authAnswer(p, this.ctx, head);
    if ('why' in a) return a;
    if (a.msg) this.emit(a.msg);
    if (!a.done) return;
    if (this.phase === 'auth') this.responses.fifo.shift();
    this.phase = 'command';
    const login = first === 0x00 && head?.answer === 'login';
    if (login && this.ctx.caps & (CAP.COMPRESS | CAP.ZSTD)) this.compress();
  }

  /** compression starts right after the OK that ends authentication, in both directions */
  private compress(): void {
    for (const d of [this.dirs.client, this.dirs.server]) {
      const raw = d.framer.q;
      d.framer.q = new ByteQueue();
      d.dec = new Decompressor(raw);
    }
  }

  private client(d: Dir, p: Packet): Unread | undefined {
    switch (this.phase) {
      case 'greeting':
        this.fail('the client spoke before the server greeting');
        return;
      case 'login': {
        if (isSslRequest(p.data, p.length)) {
          this.emit(tlsMessage());
          this.opaque = true;
          this.stopped = true;
          return;
        }
        const l = parseLogin(p.data, this.opts.maxValue, this.opts.redact);
        if ('why' in l) return l;
        const { msg, login } = l;
        this.ctx.caps = (login.caps & this.serverCaps) >>> 0;
        this.ctx.extCaps = (login.extCaps & this.serverExt) >>> 0;
        this.emit(msg);
        this.responses.fifo.push({ answer: 'login', name: msg.name, time: p.time, results: [] });
        this.phase = 'auth';
        return;
      }
      case 'auth':
        this.emit(authResponseMessage(p.data, p.length, this.opts.redact));
        return;
      case 'command': {
        if (this.responses.infile) {
          this.emit(...this.responses.clientInfile(p));
          return;
        }
        if (p.length === 0) return;
        const c = parseCommand(p.data, p.length, p.truncated, this.ctx);
        if ('why' in c) return c;
        for (const [a, b] of c.secrets) secretRange('client', d, p, a, b, this.masks);
        this.emit(c.msg);
        const pending = pendingOf(p.data[0]!, c, p.time);
        if (c.answer === 'none') {
          const x = draft(pending, p.time, undefined);
          if (x) this.responses.exchanges.push(x);
          return;
        }
        if (this.responses.fifo.length >= MAX_PENDING) {
          this.fail('too many commands without an answer');
          return;
        }
        this.responses.fifo.push(pending);
        if (c.answer === 'changeUser') this.phase = 'auth';
      }
    }
  }
}
