// MySQL / MariaDB decoder: one instance per connection, fed both directions in relay order.
//
//   server ─▶ [Decompressor] ─▶ PacketFramer ─▶ greeting / auth / Responses (FIFO of commands)
//   client ─▶ [Decompressor] ─▶ PacketFramer ─▶ login / auth responses / parseCommand
//
// Phases: greeting → login (HandshakeResponse41 or SSLRequest) → auth (until OK/ERR) → command.
// Secrets are masked from the moment a packet's first byte is known: the login payload after its
// 32 fixed bytes, every client auth packet, the data of AuthSwitchRequest/AuthMoreData, and
// COM_CHANGE_USER after its command byte; passwords in SQL literals when the packet is complete.
// See docs/decoders/mysql.md.

import type { From } from '../../events.js';
import { ByteQueue } from '../byte-queue.js';
import type {
  Decoded,
  DecodeStep,
  Decoder,
  DecoderModule,
  DecoderOptions,
  Mask,
  Sniff,
} from '../decoder.js';
import { NOTHING } from '../decoder.js';
import { COM, parseCommand, querySqlOffset } from './commands.js';
import {
  CAP,
  LOGIN_FIXED,
  authResponseMessage,
  isSslRequest,
  parseAuthServer,
  parseGreeting,
  parseLogin,
} from './handshake.js';
import type { Packet } from './packets.js';
import { Decompressor, MAX_FRAME, PacketFramer, framedOffset } from './packets.js';
import type { RespCtx } from './responses.js';
import { Responses, errMessage, okMessage } from './responses.js';
import { HINT, secretRanges } from './sql-secrets.js';

type Phase = 'greeting' | 'login' | 'auth' | 'command';

interface Dir {
  framer: PacketFramer;
  dec?: Decompressor;
  /** payload offset from which the current packet is secret */
  secretFrom?: number;
  /** starts of masks sent with end Infinity for the current packet; closed when it completes */
  open: Set<number>;
  /** starts of masks sent with their real end for the current packet */
  closed: Set<number>;
  /** current client packet's command byte, its payload start, and the partial-sql scan state */
  cmd?: number;
  start: number;
  scanned: number;
  hint: boolean;
}

const newDir = (): Dir => ({
  framer: new PacketFramer(),
  open: new Set(),
  closed: new Set(),
  start: 0,
  scanned: 0,
  hint: false,
});

const MAX_PENDING = 10000;

export const TLS_HINT =
  'TLS from here on: connect with --ssl-mode=DISABLED (or --skip-ssl), or run looptap with --strip-tls, to see queries';

class MysqlDecoder implements Decoder {
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
  private opaque = false;
  private fallback: string | undefined;

  constructor(private readonly opts: DecoderOptions) {
    this.ctx = {
      caps: 0,
      extCaps: 0,
      maxValue: opts.maxValue,
      redact: opts.redact,
      stmts: new Map(),
      lastStmtId: undefined,
    };
    this.responses = new Responses(this.ctx);
  }

  push(from: From, chunk: Buffer, time: number): DecodeStep {
    if (this.stopped || chunk.length === 0) return NOTHING;
    this.out = [];
    this.masks = [];
    try {
      const d = this.dirs[from];
      if (d.dec) d.dec.raw.push(chunk);
      else d.framer.push(chunk, time);
      this.pump(from, time);
    } catch (e) {
      this.fail(e instanceof Error ? e.message : String(e));
    }
    if (this.out.length === 0 && this.masks.length === 0 && !this.stopped) return NOTHING;
    const step: DecodeStep = { messages: this.out };
    if (this.masks.length) step.masks = this.masks;
    if (this.opaque) step.opaque = true;
    if (this.fallback) step.fallback = this.fallback;
    return step;
  }

  end(): DecodeStep {
    return NOTHING;
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
      if (!p) return this.scanPartial(d);
      if (d.secretFrom !== undefined) this.secret(from, d, p, d.secretFrom, Infinity);
      if (from === 'server') this.server(p);
      else this.client(d, p);
      this.closeOpen(from, d, p);
      if (d.dec) d.dec.prune(p.end);
    }
  }

  /** A password literal in a query that is still arriving: mask it from its first byte, before
   * the rest of the packet (and the chunks that carry it) is seen. */
  private scanPartial(d: Dir): void {
    if (!this.opts.redact || (d.cmd !== COM.QUERY && d.cmd !== COM.STMT_PREPARE)) return;
    const kept = d.framer.partialLength;
    if (kept <= d.scanned) return;
    const buf = d.framer.partial();
    if (!buf) return;
    if (!d.hint) {
      const tail = buf.toString('latin1', Math.max(0, d.scanned - 16));
      d.scanned = kept;
      if (!HINT.test(tail)) return;
      d.hint = true;
    }
    d.scanned = kept;
    const at = d.cmd === COM.QUERY ? querySqlOffset(buf, this.ctx) : 1;
    if (at === undefined) return;
    for (const [a] of secretRanges(buf.subarray(at))) {
      const s = framedOffset(d.start, at + a);
      const start = d.dec ? d.dec.rawRanges(s, s + 1)[0]?.start : s;
      if (start === undefined || d.open.has(start)) continue;
      this.masks.push({ from: 'client', start, end: Infinity });
      d.open.add(start);
    }
  }

  /** re-sends every provisional mask of a completed packet with a real end */
  private closeOpen(from: From, d: Dir, p: Packet): void {
    if (d.open.size === 0) return;
    let end = p.end;
    if (d.dec) end = d.dec.rawRanges(p.start, p.end).at(-1)?.end ?? end;
    for (const s of d.open) {
      if (!d.closed.has(s)) this.masks.push({ from, start: s, end: Math.max(end, s + 1) });
    }
    d.open.clear();
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
    else if (this.phase === 'command') keep = this.responses.keep(first);
    d.secretFrom = undefined;
    d.open.clear();
    d.closed.clear();
    d.start = start;
    d.scanned = 0;
    d.hint = false;
    d.cmd = from === 'client' && this.phase === 'command' && keep > 0 ? first : undefined;
    if (this.opts.redact && maskFrom !== undefined) {
      const s = framedOffset(start, maskFrom);
      if (d.dec) {
        // compressed: the real range is known when the packet completes; mask from its first
        // byte now if that byte already came in (stored frames stream through)
        d.secretFrom = maskFrom;
        const raw = d.dec.rawRanges(s, s + 1)[0];
        if (raw) {
          this.masks.push({ from, start: raw.start, end: Infinity });
          d.open.add(raw.start);
        }
      } else {
        const end = frameLen === MAX_FRAME ? Infinity : start + frameLen;
        if (end === Infinity) {
          d.secretFrom = maskFrom;
          d.open.add(s);
        }
        if (end > s) this.masks.push({ from, start: s, end });
      }
    }
    return keep;
  }

  /** masks payload range [a, b) of packet p (b = Infinity: to the end of the packet) */
  private secret(from: From, d: Dir, p: Packet, a: number, b: number): void {
    const start = framedOffset(p.start, a);
    const end = b === Infinity ? p.end : Math.min(p.end, framedOffset(p.start, b));
    if (end <= start) return;
    const ranges = d.dec ? d.dec.rawRanges(start, end) : [{ start, end }];
    for (const r of ranges) {
      this.masks.push({ from, ...r });
      d.closed.add(r.start);
    }
  }

  private server(p: Packet): void {
    const first = p.length === 0 ? -1 : p.data[0]!;
    if (this.phase === 'greeting') {
      if (first === 0x0a) {
        const { msg, greeting } = parseGreeting(p.data, this.opts.maxValue);
        this.serverCaps = greeting.caps;
        this.serverExt = greeting.extCaps;
        this.emit(msg);
        this.phase = 'login';
      } else if (first === 0xff) {
        this.emit(errMessage(p, this.ctx, undefined));
      } else this.fail('not a MySQL greeting');
      return;
    }
    if (this.phase === 'command') {
      this.emit(...this.responses.server(p));
      return;
    }
    const head = this.responses.fifo[0];
    const latency = head ? { latencyMs: Math.max(0, p.time - head.time) } : {};
    if (first === 0xff) {
      this.emit(errMessage(p, this.ctx, head));
      if (this.phase === 'auth') this.responses.fifo.shift();
      this.phase = 'command';
      return;
    }
    if (this.phase !== 'auth') return;
    if (first === 0x00) {
      const m = okMessage(p, this.ctx).msg(latency.latencyMs ?? 0);
      if (!head) delete m.latencyMs;
      m.summary = head?.answer === 'login' ? 'authenticated' : 'user changed';
      this.emit(m);
      this.responses.fifo.shift();
      this.phase = 'command';
      if (head?.answer === 'login' && this.ctx.caps & (CAP.COMPRESS | CAP.ZSTD)) {
        this.compress();
      }
      return;
    }
    const m = parseAuthServer(p.data, this.opts.redact);
    if (m) this.emit({ ...m, ...latency });
  }

  /** compression starts right after the OK that ends authentication, in both directions */
  private compress(): void {
    for (const d of [this.dirs.client, this.dirs.server]) {
      const raw = d.framer.q;
      d.framer.q = new ByteQueue();
      d.dec = new Decompressor(raw);
    }
  }

  private client(d: Dir, p: Packet): void {
    switch (this.phase) {
      case 'greeting':
        return this.fail('the client spoke before the server greeting');
      case 'login': {
        if (isSslRequest(p.data, p.length)) {
          this.emit({
            from: 'client',
            name: 'tls',
            summary: TLS_HINT,
            fields: { via: 'SSLRequest' },
          });
          this.opaque = true;
          this.stopped = true;
          return;
        }
        const { msg, login } = parseLogin(p.data, this.opts.maxValue, this.opts.redact);
        this.ctx.caps = (login.caps & this.serverCaps) >>> 0;
        this.ctx.extCaps = (login.extCaps & this.serverExt) >>> 0;
        this.emit(msg);
        this.responses.fifo.push({ answer: 'login', name: msg.name, time: p.time });
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
        for (const [a, b] of c.secrets) this.secret('client', d, p, a, b);
        this.emit(c.msg);
        if (c.answer === 'none') return;
        if (this.responses.fifo.length >= MAX_PENDING) {
          return this.fail('too many commands without an answer');
        }
        this.responses.fifo.push({ answer: c.answer, name: c.msg.name, time: p.time, sql: c.sql });
        if (c.answer === 'changeUser') this.phase = 'auth';
      }
    }
  }
}

export function sniffMysql(from: From, head: Buffer): Sniff {
  if (from !== 'server') return 'no';
  if (head.length >= 4 && head[3] !== 0) return 'no';
  if (head.length < 5) return 'more';
  const len = head.readUIntLE(0, 3);
  if (head[4] === 0x0a) {
    if (len < 20 || len > 1024) return 'no';
    if (head.length < 6) return 'more';
    return head[5]! >= 0x30 && head[5]! <= 0x39 ? 'yes' : 'no';
  }
  if (head[4] === 0xff) {
    if (len < 3 || len > 1024) return 'no';
    if (head.length < 7) return 'more';
    const code = head.readUInt16LE(5);
    return code >= 1000 && code < 10000 ? 'yes' : 'no';
  }
  return 'no';
}

export const mysql: DecoderModule = {
  protocol: 'mysql',
  sniff: (from, head) => {
    try {
      return sniffMysql(from, head);
    } catch {
      return 'no';
    }
  },
  create: (options) => new MysqlDecoder(options),
};
