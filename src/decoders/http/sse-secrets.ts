// Secrets in a text/event-stream body: each event's `data:` field values are scanned as one
// payload (a JSON object, usually), by a fresh scanner per event, and every other line (`event:`,
// `id:`, comments) is left alone. Streaming like the other body scanners: a line, a field name
// or a value split across chunks is followed across them. Memory: the first 5 bytes of a field
// name and one event's payload scanner.
//
//   "event: token\ndata: {\"access_token\":\"XYZ\"}\n\n"  ──▶  range of XYZ
//
// HTTP mode masks each parsed event's data the same way (src/http/exchange.ts emitSse); this is
// for the body bytes themselves: TCP mode's data events and exchange body, HTTP mode's second
// response, the HAR, and the answers replay compares.

import type { BodyScanner } from './body-secrets.js';
import type { OnRange } from './pair-scanner.js';

const LF = 0x0a;
const CR = 0x0d;
const COLON = 0x3a;
const SP = 0x20;
const DATA = 'data';

export class SseScanner implements BodyScanner {
  private state: 'name' | 'space' | 'value' | 'skip' = 'name';
  private name = '';
  private afterCr = false;
  private event: BodyScanner | undefined;

  /** `payload`: a scanner for one event's data (its lines joined as they come) */
  constructor(private readonly payload: () => BodyScanner) {}

  feed(buf: Buffer, from: number, to: number, onRange: OnRange): void {
    let i = from;
    while (i < to) {
      const b = buf[i]!;
      // CRLF is one line end: the LF after a CR ends nothing more
      if (this.afterCr) {
        this.afterCr = false;
        if (b === LF) {
          i++;
          continue;
        }
      }
      if (this.state === 'value') {
        let eol = i;
        while (eol < to && buf[eol] !== LF && buf[eol] !== CR) eol++;
        if (eol > i) (this.event ??= this.payload()).feed(buf, i, eol, onRange);
        if (eol === to) return;
        i = eol;
        this.state = 'name';
        this.name = '';
        this.lineEnd(buf[i]!);
        i++;
        continue;
      }
      if (b === LF || b === CR) {
        // a blank line ends the event: its payload is complete
        if (this.state === 'name' && this.name === '') this.event = undefined;
        this.state = 'name';
        this.name = '';
        this.lineEnd(b);
        i++;
        continue;
      }
      if (this.state === 'name') {
        if (b === COLON) this.state = this.name === DATA ? 'space' : 'skip';
        else if (this.name.length <= DATA.length) this.name += String.fromCharCode(b);
        i++;
      } else if (this.state === 'space') {
        this.state = 'value';
        if (b === SP) i++;
      } else i++; // 'skip': the rest of a line that is not data
    }
  }

  private lineEnd(b: number): void {
    this.afterCr = b === CR;
  }
}
