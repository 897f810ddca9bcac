// Small formatters for the page: times, durations, byte counts, hex dumps, JSON bodies.

export function clock(ms: number): string {
  const d = new Date(ms);
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

export function duration(ms: number | undefined): string {
  if (ms === undefined) return '';
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 1000) return `${ms.toFixed(1)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1 << 20) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / (1 << 20)).toFixed(1)} MiB`;
}

/** a classic 16-bytes-a-line dump of base64 bytes */
export function hexdump(b64: string): string {
  const bin = atob(b64);
  const lines: string[] = [];
  for (let i = 0; i < bin.length; i += 16) {
    const chunk = bin.slice(i, i + 16);
    let hex = '';
    let text = '';
    for (let j = 0; j < 16; j++) {
      if (j < chunk.length) {
        const c = chunk.charCodeAt(j);
        hex += c.toString(16).padStart(2, '0') + ' ';
        text += c >= 32 && c < 127 ? chunk[j] : '.';
      } else hex += '   ';
      if (j === 7) hex += ' ';
    }
    lines.push(`${i.toString(16).padStart(8, '0')}  ${hex} ${text}`);
  }
  return lines.join('\n');
}

/** a body as the detail shows it: JSON pretty-printed, anything else as it is */
export function prettyBody(body: string, headers?: Record<string, string | string[]>): string {
  const type = String(headers?.['content-type'] ?? '');
  const t = body.trimStart();
  if (type.includes('json') || t.startsWith('{') || t.startsWith('[')) {
    try {
      return JSON.stringify(JSON.parse(body), null, 2);
    } catch {
      return body;
    }
  }
  return body;
}

export function cell(v: unknown): string {
  if (v === null || v === undefined) return 'NULL';
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

/** a filter term for a value: quoted when it holds spaces or quotes */
export function term(key: string, value: string | number): string {
  const s = String(value);
  return /^[\w.:/@-]+$/.test(s) ? `${key}:${s}` : `${key}:"${s.replace(/["\\]/g, '\\$&')}"`;
}
