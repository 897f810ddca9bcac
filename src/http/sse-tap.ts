// Server-Sent Events reader for logging (HTML Living Standard, "event stream interpretation"):
// turns the bytes of a text/event-stream response into events as they arrive, so the live view
// shows each event when the client gets it. Bounded: a line longer than `max` is cut, and the
// data of one event keeps at most `max` characters.

import { StringDecoder } from 'node:string_decoder';

export interface SseEvent {
  event: string;
  data: string;
  id?: string;
  /** the data was longer than the cap */
  truncated?: boolean;
}

export class SseParser {
  private decoder = new StringDecoder('utf8');
  private line = '';
  private lineCut = false;
  private data: string[] = [];
  private dataLen = 0;
  private cut = false;
  private event = '';
  private id?: string;

  constructor(private readonly max: number) {}

  push(chunk: Buffer): SseEvent[] {
    const out: SseEvent[] = [];
    const text = this.decoder.write(chunk);
    let start = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      this.append(text.slice(start, i));
      // CRLF is one line end
      if (c === 13 && text.charCodeAt(i + 1) === 10) i++;
      start = i + 1;
      this.endLine(out);
    }
    this.append(text.slice(start));
    return out;
  }

  private append(s: string): void {
    if (this.line.length + s.length > this.max) {
      this.line += s.slice(0, Math.max(0, this.max - this.line.length));
      this.lineCut = true;
    } else this.line += s;
  }

  private endLine(out: SseEvent[]): void {
    const line = this.line;
    const cut = this.lineCut;
    this.line = '';
    this.lineCut = false;
    if (line === '') {
      if (this.data.length > 0) {
        const e: SseEvent = { event: this.event || 'message', data: this.data.join('\n') };
        if (this.id !== undefined) e.id = this.id;
        if (this.cut) e.truncated = true;
        out.push(e);
      }
      this.data = [];
      this.dataLen = 0;
      this.cut = false;
      this.event = '';
      return;
    }
    if (line.startsWith(':')) return; // a comment (keep-alive pings)
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') {
      if (cut) this.cut = true;
      if (this.dataLen + value.length > this.max) {
        value = value.slice(0, Math.max(0, this.max - this.dataLen));
        this.cut = true;
      }
      this.data.push(value);
      this.dataLen += value.length + 1;
    } else if (field === 'event') this.event = value;
    else if (field === 'id') this.id = value;
  }
}
