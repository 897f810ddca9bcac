// HTTP/1.1 bytes for the pcap export of an HTTP-mode capture (`looptap http`), which holds
// decoded request and response messages but no raw `data` events. Each message is written back
// as the head and body a client or origin would have sent, so that Wireshark's HTTP dissector
// reads the TCP streams: the recorded headers in order, the kept body (re-chunked as one chunk
// when the message was chunked), chunked trailers. Redacted values stay redacted: the message
// fields are already masked.
//
//   request message  ──▶ "GET /x HTTP/1.1\r\nhost: ...\r\n\r\n<body>"
//   response message ──▶ "HTTP/1.1 200 OK\r\n...\r\n\r\n<body>"

import type { MessageEvent } from '../events.js';

type HeaderMap = Record<string, string | string[]>;

export interface HttpBytes {
  bytes: Buffer;
  /** body bytes the capture did not keep (cut at --max-value): a hole in the stream */
  missing: number;
}

const str = (v: unknown, d = ''): string => (typeof v === 'string' ? v : d);

function headLines(headers: HeaderMap): string {
  let out = '';
  for (const [name, v] of Object.entries(headers)) {
    for (const value of [v].flat()) out += `${name}: ${value.replace(/[\r\n]/g, ' ')}\r\n`;
  }
  return out;
}

function chunkedHeader(headers: HeaderMap): boolean {
  return [headers['transfer-encoding'] ?? []].flat().some((v) => /chunked\s*$/i.test(v));
}

/** the wire form of an HTTP-mode request, response or upgrade message, or undefined */
export function httpBytes(e: MessageEvent): HttpBytes | undefined {
  const f = e.fields;
  const headers = (f.headers ?? {}) as HeaderMap;
  let start: string;
  if (e.name === 'request') {
    start = `${str(f.method, 'GET')} ${str(f.url, '/')} ${str(f.version, 'HTTP/1.1')}`;
  } else if (e.name === 'response' || e.name === 'upgrade') {
    // an event stream is logged at its head and again at its end: only the end is written
    if (f.streaming === true) return undefined;
    const reason = str(f.reason);
    start = `${str(f.version, 'HTTP/1.1')} ${String(f.status)}${reason ? ` ${reason}` : ''}`;
  } else return undefined;
  const body = Buffer.from(str(f.body), 'base64');
  const length = typeof f.bodyLength === 'number' ? f.bodyLength : body.length;
  const head = Buffer.from(`${start}\r\n${headLines(headers)}\r\n`, 'latin1');
  if (!chunkedHeader(headers) || e.name === 'upgrade') {
    return { bytes: Buffer.concat([head, body]), missing: Math.max(0, length - body.length) };
  }
  const trailers = (f.trailers ?? {}) as HeaderMap;
  const parts = [head];
  if (body.length > 0) parts.push(Buffer.from(`${body.length.toString(16)}\r\n`), body, CRLF);
  parts.push(Buffer.from(`0\r\n${headLines(trailers)}\r\n`, 'latin1'));
  return { bytes: Buffer.concat(parts), missing: 0 };
}

const CRLF = Buffer.from('\r\n');
