// The JSON line of the event the hub is handing out, made once for every sink that writes it:
// the capture's rotation (to measure it), the capture file and `--json` on stdout all want the
// same line of the same event, and building message and exchange lines is most of what a line
// costs. One slot, not a map: the hub gives an event to every sink before it takes the next, so
// only the latest line can be asked for again, and keeping it costs no allocation. Hub.emit
// clears the slot, so an event object changed and emitted again never gets a stale line.
//
// Only what is the same is shared: a non-data line is the same in both capture formats and on
// stdout; a data line is shared only in format 1 (format 2 points into FILE.bin, stdout carries
// base64), and an event cut by --max-payload is a different object, so it never matches.

import type { CaptureEvent, DataEvent } from '../events.js';
import { lineText } from './line-format.js';

let event: CaptureEvent | undefined;
let text: string | undefined;
/** a format-1 data line: a Buffer of its own, or bytes [start, end) of a capture slab that is
 * never written over (the subarray is made only if a second sink asks) */
let buf: Buffer | undefined;
let start = 0;
let end = 0;

/** the line (with its newline) of an event that is not a data event */
export function sharedLineText(e: CaptureEvent): string {
  if (e === event && text !== undefined) return text;
  const t = lineText(e);
  keep(e);
  text = t;
  return t;
}

/** the inline-base64 data line of `e`, if a sink made it already */
export function sharedDataLine(e: DataEvent): Buffer | undefined {
  if (e !== event || buf === undefined) return undefined;
  if (start !== 0 || end !== buf.length) {
    buf = buf.subarray(start, end);
    start = 0;
    end = buf.length;
  }
  return buf;
}

/** remembers the inline-base64 data line of `e`: bytes [from, to) of `b` */
export function keepDataLine(e: DataEvent, b: Buffer, from = 0, to = b.length): void {
  keep(e);
  buf = b;
  start = from;
  end = to;
}

export function forgetLine(): void {
  keep(undefined);
}

function keep(e: CaptureEvent | undefined): void {
  event = e;
  text = undefined;
  buf = undefined;
}
