// Turns the bytes of one connection into events: `data` for every chunk (masked where a decoder
// found a secret) and `message` for every decoded protocol message. It picks the decoder (auto-
// detection on the first bytes of whichever side speaks first), and it is the one place where a
// confused decoder (DECODE_FALLBACK) or a throwing one (DECODE_BUG) is caught: either way the
// connection is shown raw from there, and the protocol's secret scanner keeps masking
// (lost-track.ts).
//
//   chunk ──▶ [detect] ──▶ decoder.push ──▶ masks ──▶ Redactor ──▶ data event
//                │                     └──▶ messages ──────────▶ message events
//                └─ after a fallback ─▶ scanner ──▶ masks ──┘
//
// Message events are built only when a sink or listener takes frames (FrameDemand, asked once
// per decoded chunk): the exchange view, top and the test-suite API read exchanges only, and
// building frames costs them 15-30% of decoding in-process. Exchanges never depend on it. Key
// frames (a login, an error outside any exchange: decoders/key-frames.ts) are built regardless.
// While detection needs more bytes, chunks are held (bounded) and their data events wait, so that
// a secret in the first bytes is masked too. Forwarding never waits for any of this.

import type {
  DecodeSetting,
  From,
  ProtocolName,
  CaptureEvent,
  DataEvent,
  MessageEvent,
  ErrorEvent,
} from '../events.js';
import { LEVEL } from '../events.js';
import type {
  Decoder,
  DecoderModule,
  DecoderOptions,
  DecodeStep,
  Decoded,
  ExchangeDraft,
  SecretScanner,
} from '../decoders/decoder.js';
import { cutMsg, exchangeEvent } from './exchange-event.js';
import { round } from '../util/time.js';
import { decoders, SNIFF_ORDER } from '../decoders/registry.js';
import { Redactor } from './redactor.js';
import { dataMsg } from '../capture/line-format.js';
import { bugEvent, fallbackEvent, ScanAfterDecoder, type Where } from './lost-track.js';
import { ALL_FRAMES, type FrameDemand } from '../capture/hub.js';
import { isLoginFrame } from '../decoders/key-frames.js';

/** how much we hold back while detection asks for more bytes before giving up on it */
const DETECT_HOLD_LIMIT = 64 * 1024;
/** the most head bytes a sniffer is shown */
const SNIFF_HEAD = 2048;

interface Held {
  from: From;
  chunk: Buffer;
  time: number;
  end?: boolean;
}

/** what a Connection (and its interceptor hooks) calls: an Observer, or a queue in front of one
 * (deferred-observation.ts) */
export type Observing = Pick<Observer, 'data' | 'end' | 'close'>;

export class Observer {
  private state: 'detect' | 'decode' | 'raw';
  private decoder?: Decoder;
  private held: Held[] = [];
  private heldBytes = 0;
  private head: { from: From; bytes: Buffer } | undefined;
  private ended = new Set<From>();
  private seq: Record<From, number> = { client: 0, server: 0 };
  private offset: Record<From, number> = { client: 0, server: 0 };
  private redactor = new Redactor();
  /** set once the decoder fell back or broke: scans what it no longer reads */
  private scan?: ScanAfterDecoder;
  /** set while an injected answer is processed: its messages and exchanges are marked */
  private injected: string | undefined;
  protocol?: ProtocolName;

  constructor(
    private readonly conn: number,
    setting: DecodeSetting,
    private readonly options: DecoderOptions,
    private readonly out: (e: CaptureEvent) => void,
    /** who takes message events (the hub); every frame is built without one */
    private readonly frames: FrameDemand = ALL_FRAMES,
    /** the decoder table (tests give their own modules) */
    private readonly modules: Record<ProtocolName, DecoderModule> = decoders,
  ) {
    if (setting === 'raw') this.state = 'raw';
    else if (setting === 'auto') this.state = 'detect';
    else this.start(setting);
    this.state ??= 'raw';
  }

  /** `injected`: the bytes are a fault's answer (the toxic's name), not the peer's */
  data(from: From, chunk: Buffer, time: number, injected?: string): void {
    if (injected !== undefined) {
      this.injected = injected;
      try {
        this.data(from, chunk, time);
      } finally {
        this.injected = undefined;
      }
      return;
    }
    if (this.state === 'detect') {
      this.held.push({ from, chunk, time });
      this.heldBytes += chunk.length;
      this.detect(from, chunk);
      if (this.state === 'detect') {
        if (this.heldBytes > DETECT_HOLD_LIMIT) this.giveUpDetection();
        return;
      }
      this.releaseHeld();
      return;
    }
    this.process(from, chunk, time);
  }

  end(from: From, time: number): void {
    if (this.state === 'detect') {
      this.held.push({ from, chunk: Buffer.alloc(0), time, end: true });
      this.ended.add(from);
      // the side being sniffed ended (or both did): stop waiting. A client that closes before
      // saying anything (a health check, `nc -z`) still gets the server's greeting, which is
      // enough to detect a server-first protocol such as MySQL.
      if (this.head?.from === from || this.ended.size === 2) this.giveUpDetection();
      return;
    }
    this.endNow(from, time);
  }

  /** the connection is over: flush anything held so no bytes are missing from the capture */
  close(): void {
    if (this.state === 'detect') this.giveUpDetection();
  }

  private start(protocol: ProtocolName): void {
    this.protocol = protocol;
    this.decoder = this.modules[protocol].create(this.options);
    this.state = 'decode';
  }

  private detect(from: From, chunk: Buffer): void {
    if (!this.head) this.head = { from, bytes: chunk.subarray(0, SNIFF_HEAD) };
    else if (this.head.from === from && this.head.bytes.length < SNIFF_HEAD) {
      this.head.bytes = Buffer.concat([this.head.bytes, chunk]).subarray(0, SNIFF_HEAD);
    } else return;
    let waiting = false;
    for (const name of SNIFF_ORDER) {
      let verdict;
      try {
        verdict = this.modules[name].sniff(this.head.from, this.head.bytes);
      } catch {
        verdict = 'no';
      }
      if (verdict === 'yes') {
        this.start(name);
        return;
      }
      if (verdict === 'more') waiting = true;
    }
    if (!waiting || this.head.bytes.length >= SNIFF_HEAD) this.state = 'raw';
  }

  private giveUpDetection(): void {
    this.state = 'raw';
    this.releaseHeld();
  }

  private releaseHeld(): void {
    const held = this.held;
    this.held = [];
    this.heldBytes = 0;
    for (const h of held) {
      if (h.end) this.endNow(h.from, h.time);
      else this.process(h.from, h.chunk, h.time);
    }
  }

  private process(from: From, chunk: Buffer, time: number): void {
    const offset = this.offset[from];
    this.offset[from] = offset + chunk.length;
    let messages: Decoded[] | undefined;
    let exchanges: ExchangeDraft[] | undefined;
    if (this.state === 'decode') {
      const step = this.step(from, offset, time, chunk);
      messages = step.messages;
      exchanges = step.exchanges;
    }
    // after a fallback in this very chunk too: the bytes past the point the decoder lost track
    this.scan?.push(from, chunk, offset);
    const { bytes, masked } = this.redactor.apply(from, offset, chunk);
    const event: DataEvent = {
      type: 'data',
      time: Math.floor(time),
      level: LEVEL.info,
      msg: dataMsg(chunk.length, from),
      conn: this.conn,
      from,
      seq: this.seq[from]++,
      offset,
      len: chunk.length,
      bytes,
    };
    if (masked) event.redacted = masked;
    // in memory only: lets the live view hide raw lines of a decoded connection from its first
    // chunk; a chunk in which the decoder lost track is shown raw
    if (this.state === 'decode' || (messages && !this.scan)) event.protocol = this.protocol;
    this.out(event);
    if (messages && messages.length > 0) this.messages(messages, time);
    if (exchanges) for (let i = 0; i < exchanges.length; i++) this.exchange(exchanges[i]!);
  }

  private endNow(from: From, time: number): void {
    if (this.state !== 'decode') return;
    const step = this.step(from, this.offset[from], time);
    if (step.messages.length > 0) this.messages(step.messages, time);
    if (step.exchanges) for (const x of step.exchanges) this.exchange(x);
  }

  private messages(messages: Decoded[], time: number): void {
    if (this.frames.wantsFrames(this.protocol!)) {
      for (let i = 0; i < messages.length; i++) this.message(messages[i]!, time);
      return;
    }
    // a login and an error outside any exchange are built all the same (key-frames.ts)
    let skipped = 0;
    for (let i = 0; i < messages.length; i++) {
      const d = messages[i]!;
      if (d.standalone || isLoginFrame(d.name)) this.message(d, time);
      else skipped++;
    }
    if (skipped > 0) this.frames.framesSkipped(this.protocol!, skipped);
  }

  /** one call into the decoder (push a chunk, or end without one), and what it said: masks,
   * opaque, fallback; a throw is a decoder bug. Returns what is to be emitted. */
  private step(from: From, offset: number, time: number, chunk?: Buffer): DecodeStep {
    let step: DecodeStep;
    try {
      step =
        chunk !== undefined ? this.decoder!.push(from, chunk, time) : this.decoder!.end(from, time);
    } catch (err) {
      this.lose(bugEvent(this.where(from, offset), err));
      return { messages: [] };
    }
    if (step.masks) for (const m of step.masks) this.redactor.add(m);
    if (step.opaque) {
      // TLS from here: nothing readable to scan
      this.state = 'raw';
      this.decoder = undefined;
    }
    if (step.fallback) this.lose(fallbackEvent(this.where(from, offset), step.fallback));
    return step;
  }

  /** the decoder is out of this connection: say why, and keep masking without it */
  private lose(event: ErrorEvent): void {
    this.state = 'raw';
    this.decoder = undefined;
    this.out(event);
    const scanner = this.options.redact ? this.makeScanner(this.protocol!) : undefined;
    this.scan = new ScanAfterDecoder(scanner, this.redactor, this.out, (from, offset) =>
      this.where(from, offset),
    );
  }

  private makeScanner(protocol: ProtocolName): SecretScanner | undefined {
    try {
      return this.modules[protocol].scanner?.(this.options);
    } catch (err) {
      // no scanner and no decoder: mask everything rather than record secrets in clear
      this.out(bugEvent({ conn: this.conn, protocol, from: 'client', offset: 0 }, err));
      this.redactor.add({ from: 'client', start: 0, end: Infinity });
      this.redactor.add({ from: 'server', start: 0, end: Infinity });
      return undefined;
    }
  }

  private where(from: From, offset: number): Where {
    return { conn: this.conn, protocol: this.protocol, from, offset };
  }

  private message(d: Decoded, time: number): void {
    const event: MessageEvent = {
      type: 'message',
      time: Math.floor(time),
      level: d.level ?? LEVEL.info,
      msg: cutMsg(d.name + ' ' + d.summary),
      conn: this.conn,
      from: d.from,
      protocol: this.protocol!,
      name: d.name,
      fields: this.injected
        ? { summary: d.summary, ...d.fields, injected: this.injected }
        : { summary: d.summary, ...d.fields },
    };
    if (d.latencyMs !== undefined) event.latencyMs = round(d.latencyMs);
    if (d.standalone) event.standalone = true;
    this.out(event);
  }

  private exchange(d: ExchangeDraft): void {
    this.out(exchangeEvent(this.conn, this.protocol!, d, this.injected));
  }
}
