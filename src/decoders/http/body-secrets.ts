// Which scanner reads a message body for secret fields, chosen from its head: JSON when the
// content type says json or the body starts with `{` or `[` (curl -d sends JSON labelled as a
// form), name=value pairs for application/x-www-form-urlencoded, each event's data in a
// text/event-stream (sse-secrets.ts). Compressed bodies
// (Content-Encoding other than identity) and multipart bodies are not scanned
// (docs/redaction.md says so). Both modes use it: TCP mode on the de-chunked body bytes,
// HTTP mode on the body stream.

import { JsonScanner } from './json-scanner.js';
import { PairScanner, type OnRange } from './pair-scanner.js';
import type { SecretNames } from './secret-names.js';
import { SseScanner } from './sse-secrets.js';

export interface BodyScanner {
  /** buf[from, to) are the next body bytes; ranges are reported inside that span */
  feed(buf: Buffer, from: number, to: number, onRange: OnRange): void;
}

type Kind = 'json' | 'form' | 'sniff';

class SniffingScanner implements BodyScanner {
  private inner: BodyScanner | undefined;
  private undecided = true;

  constructor(
    private readonly kind: Kind,
    private readonly names: SecretNames,
  ) {}

  feed(buf: Buffer, from: number, to: number, onRange: OnRange): void {
    let i = from;
    if (this.undecided) {
      while (i < to && isWs(buf[i]!)) i++;
      if (i === to) return;
      this.undecided = false;
      const b = buf[i]!;
      const looksJson = b === 0x7b || b === 0x5b;
      if (looksJson || this.kind === 'json') this.inner = new JsonScanner(this.names);
      else if (this.kind === 'form') this.inner = new PairScanner(this.names, false);
    }
    this.inner?.feed(buf, i, to, onRange);
  }
}

function isWs(b: number): boolean {
  return b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
}

/** the scanner for a body with these (lower-case name, value) header fields, or undefined */
export function bodyScanner(
  fields: Iterable<readonly [string, string]>,
  names: SecretNames,
): BodyScanner | undefined {
  let type = '';
  for (const [n, v] of fields) {
    if (n === 'content-encoding' && !/^\s*(identity)?\s*$/i.test(v)) return undefined;
    if (n === 'content-type') type = v.toLowerCase();
  }
  const mime = type.split(';')[0]!.trim();
  if (mime.startsWith('multipart/')) return undefined;
  if (mime === 'text/event-stream')
    return new SseScanner(() => new SniffingScanner('sniff', names));
  let kind: Kind = 'sniff';
  if (/(^|[/+])(json|x-ndjson|jsonl)$/.test(mime) || mime.endsWith('+json')) kind = 'json';
  else if (mime === 'application/x-www-form-urlencoded') kind = 'form';
  return new SniffingScanner(kind, names);
}

/** header fields of Node's rawHeaders list or headers object as lower-case pairs */
export function lowerPairs(
  raw: readonly string[] | Readonly<Record<string, string | string[] | number | undefined>>,
): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  if (Array.isArray(raw)) {
    const flat = raw as readonly string[];
    for (let i = 0; i + 1 < flat.length; i += 2) out.push([flat[i]!.toLowerCase(), flat[i + 1]!]);
    return out;
  }
  for (const [n, v] of Object.entries(raw)) {
    if (v === undefined) continue;
    for (const x of [v].flat()) out.push([n.toLowerCase(), String(x)]);
  }
  return out;
}

/** a masked copy of a whole text payload (an SSE event's data, a WebSocket text frame), `*` for
 * each secret byte, and how many were masked; the same buffer when nothing was */
export function maskPayload(
  buf: Buffer,
  names: SecretNames,
  kind: 'json' | 'sniff' = 'sniff',
): { bytes: Buffer; masked: number } {
  return maskWith(buf, new SniffingScanner(kind, names));
}

/** a masked copy of a whole body where `scanner` finds secrets; the same buffer when none */
export function maskWith(buf: Buffer, scanner: BodyScanner): { bytes: Buffer; masked: number } {
  let out: Buffer | undefined;
  let masked = 0;
  scanner.feed(buf, 0, buf.length, (s, e) => {
    out ??= Buffer.from(buf);
    out.fill(0x2a, s, e);
    masked += e - s;
  });
  return { bytes: out ?? buf, masked };
}

export function redactText(text: string, names: SecretNames): string {
  const r = maskPayload(Buffer.from(text, 'utf8'), names);
  return r.masked > 0 ? r.bytes.toString('utf8') : text;
}
