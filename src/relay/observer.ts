// Turns the bytes of one connection into events: `data` for every chunk (masked where a decoder
// found a secret) and `message` for every decoded protocol message. It picks the decoder (auto-
// detection on the first bytes of whichever side speaks first), and it is where a confused or
// throwing decoder is caught and the connection falls back to raw.
//
//   chunk ──▶ [detect] ──▶ decoder.push ──▶ masks ──▶ Redactor ──▶ data event
//                                      └──▶ messages ──────────▶ message events
//
// While detection needs more bytes, chunks are held (bounded) and their data events wait, so that
// a secret in the first bytes is masked too. Forwarding never waits for any of this.

import type {
  DecodeSetting,
  From,
  ProtocolName,
  CaptureEvent,
  DataEvent,
  MessageEvent,
} from '../events.js';
import { LEVEL } from '../events.js';
import type { Decoder, DecoderOptions, DecodeStep, Decoded } from '../decoders/decoder.js';
import { decoders, SNIFF_ORDER } from '../decoders/registry.js';
import { Redactor } from './redactor.js';
import { dataMsg } from '../capture/line-format.js';

/** how much we hold back while detection asks for more bytes before giving up on it */
const DETECT_HOLD_LIMIT = 64 * 1024;
/** the most head bytes a sniffer is shown */
const SNIFF_HEAD = 2048;
const MSG_MAX = 200;

interface Held {
  from: From;
  chunk: Buffer;
  time: number;
  end?: boolean;
}

export class Observer {
  private state: 'detect' | 'decode' | 'raw';
  private decoder?: Decoder;
  private held: Held[] = [];
  private heldBytes = 0;
  private head: { from: From; bytes: Buffer } | undefined;
  private seq: Record<From, number> = { client: 0, server: 0 };
  private offset: Record<From, number> = { client: 0, server: 0 };
  private redactor = new Redactor();
  protocol?: ProtocolName;

  constructor(
    private readonly conn: number,
    setting: DecodeSetting,
    private readonly options: DecoderOptions,
    private readonly out: (e: CaptureEvent) => void,
  ) {
    if (setting === 'raw') this.state = 'raw';
    else if (setting === 'auto') this.state = 'detect';
    else this.start(setting);
    this.state ??= 'raw';
  }

  data(from: From, chunk: Buffer, time: number): void {
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
      // a side that ends before anything could be recognised: stop waiting
      this.giveUpDetection();
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
    this.decoder = decoders[protocol].create(this.options);
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
        verdict = decoders[name].sniff(this.head.from, this.head.bytes);
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
    if (this.state === 'decode') {
      let step: DecodeStep;
      try {
        step = this.decoder!.push(from, chunk, time);
      } catch (err) {
        step = thrown(err);
      }
      messages = this.after(from, offset, step);
    }
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
    // in memory only: lets the live view hide raw lines of a decoded connection from its first chunk
    if (this.state === 'decode' || messages) event.protocol = this.protocol;
    this.out(event);
    if (messages) for (let i = 0; i < messages.length; i++) this.message(messages[i]!, time);
  }

  private endNow(from: From, time: number): void {
    if (this.state !== 'decode') return;
    let step: DecodeStep;
    try {
      step = this.decoder!.end(from, time);
    } catch (err) {
      step = thrown(err);
    }
    const messages = this.after(from, this.offset[from], step);
    for (const m of messages) this.message(m, time);
  }

  /** applies what the decoder said about one chunk (or end); returns its messages */
  private after(from: From, offset: number, step: DecodeStep): Decoded[] {
    if (step.masks) for (const m of step.masks) this.redactor.add(m);
    if (step.opaque) this.state = 'raw';
    if (step.fallback) {
      this.state = 'raw';
      const message = `${this.protocol} decoder lost track at ${from} byte ${offset} (${step.fallback}); showing raw bytes for the rest of connection #${this.conn}`;
      this.out({
        type: 'error',
        time: Date.now(),
        level: LEVEL.warn,
        msg: message,
        code: 'DECODE_FALLBACK',
        message,
        conn: this.conn,
      });
    }
    if (this.state === 'raw') this.decoder = undefined;
    return step.messages;
  }

  private message(d: Decoded, time: number): void {
    const text = d.name + ' ' + d.summary;
    const event: MessageEvent = {
      type: 'message',
      time: Math.floor(time),
      level: d.level ?? LEVEL.info,
      msg: text.length > MSG_MAX ? text.slice(0, MSG_MAX - 1) + '…' : text,
      conn: this.conn,
      from: d.from,
      protocol: this.protocol!,
      name: d.name,
      fields: { summary: d.summary, ...d.fields },
    };
    if (d.latencyMs !== undefined) event.latencyMs = round(d.latencyMs);
    this.out(event);
  }
}

const round = (ms: number): number => Math.round(ms * 1000) / 1000;

const thrown = (err: unknown): DecodeStep => ({
  messages: [],
  fallback: `decoder error: ${err instanceof Error ? err.message : String(err)}`,
});
