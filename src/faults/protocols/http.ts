// HTTP/1.x for faults: the decoder's HeadScanner and BodyReader frame each request (head, then a
// Content-Length or chunked body). An injected error is a complete response with the chosen
// status and a text body, so a keep-alive connection goes on. After an Upgrade or CONNECT the
// bytes are no longer HTTP: they are forwarded untouched.

import { STATUS_CODES } from 'node:http';
import { ByteQueue } from '../../decoders/byte-queue.js';
import { HeadScanner, parseRequestHead, values } from '../../decoders/http/head.js';
import { BodyReader } from '../../decoders/http/body.js';
import type { Mask } from '../../decoders/decoder.js';
import type { ExchangeRequest } from '../../events.js';
import type { Attributes } from '../toxics.js';
import { EMPTY_MARKS, type Adapter, type ServerMarks, type Unit } from './adapter.js';

export class HttpAdapter implements Adapter {
  readonly protocol = 'http' as const;
  readonly countsAnswers = false;
  lost = false;
  private readonly q = new ByteQueue();
  private readonly scanner = new HeadScanner('client', true, true);
  private body: BodyReader | undefined;
  private request: ExchangeRequest | undefined;
  private unitStart = 0;
  private masks: Mask[] = [];

  get partialHoldable(): boolean {
    return this.q.length > 0 || this.body !== undefined;
  }

  client(chunk: Buffer): Unit[] {
    if (this.lost) return [];
    this.q.push(chunk);
    const units: Unit[] = [];
    for (;;) {
      this.masks.length = 0;
      if (!this.body) {
        const r = this.scanner.scan(this.q, this.masks);
        if (r === 'more') break;
        if ('error' in r) {
          this.lost = true;
          break;
        }
        const head = parseRequestHead(r.head);
        if (typeof head === 'string') {
          this.lost = true;
          break;
        }
        const lower = (n: string): string[] => values(head.fields, n).map((v) => v.toLowerCase());
        if (head.method === 'CONNECT' || lower('upgrade').length > 0) this.lost = true;
        const chunked = lower('transfer-encoding').some((v) => v.includes('chunked'));
        const length = Number(values(head.fields, 'content-length')[0] ?? 0) || 0;
        this.request = {
          text: `${head.method} ${head.url}`,
          kind: 'http',
          method: head.method,
          url: head.url,
        };
        this.body = new BodyReader(chunked ? 'chunked' : 'length', length, 0, 'client', true);
      }
      const done = this.body.read(this.q, this.masks);
      if (done === 'more') break;
      if (typeof done === 'object') {
        this.lost = true;
        break;
      }
      const end = this.q.offset;
      units.push({ start: this.unitStart, end, answers: 1, request: this.request });
      this.unitStart = end;
      this.body = undefined;
      if (this.lost) break;
    }
    return units;
  }

  server(): ServerMarks {
    return EMPTY_MARKS;
  }

  errorReply(attrs: Attributes): Buffer {
    const status = Number(attrs.status) || 503;
    const body = Buffer.from(
      String(
        attrs.body || attrs.message || `${STATUS_CODES[status] ?? 'Error'} (injected by looptap)\n`,
      ),
      'utf8',
    );
    const head =
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n` +
      `content-type: text/plain; charset=utf-8\r\ncontent-length: ${body.length}\r\n` +
      `x-looptap-fault: reply_error\r\n\r\n`;
    return Buffer.concat([Buffer.from(head, 'latin1'), body]);
  }
}
