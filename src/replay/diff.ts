// Compact difference lines: one line per difference, at most MAX_LINES per comparison, values
// shown short. `recorded -> replayed` everywhere, so a reader learns one direction once.

const MAX_LINES = 8;
const SHOW = 40;

/** bytes as readable text: printable ASCII kept, the rest escaped, long input cut */
export function preview(b: Buffer, max = SHOW): string {
  let s = '';
  for (const c of b.subarray(0, max)) {
    if (c === 0x0a) s += '\\n';
    else if (c === 0x0d) s += '\\r';
    else if (c === 0x5c) s += '\\\\';
    else if (c >= 0x20 && c < 0x7f) s += String.fromCharCode(c);
    else s += `\\x${c.toString(16).padStart(2, '0')}`;
  }
  return `"${s}"${b.length > max ? '…' : ''}`;
}

export function show(v: unknown): string {
  const s = v === undefined ? 'absent' : JSON.stringify(v);
  return s.length > SHOW * 2 ? s.slice(0, SHOW * 2) + '…' : s;
}

export function bytesDiff(what: string, recorded: Buffer, replayed: Buffer): string[] {
  if (recorded.equals(replayed)) return [];
  let i = 0;
  while (i < recorded.length && i < replayed.length && recorded[i] === replayed[i]) i++;
  const from = Math.max(0, i - 8);
  const lines = [
    `${what} differ at byte ${i}: ${preview(recorded.subarray(from))} -> ${preview(replayed.subarray(from))}`,
  ];
  if (recorded.length !== replayed.length) {
    lines.push(`${what} length ${recorded.length} -> ${replayed.length}`);
  }
  return lines;
}

/** JSON paths like $.a.b[0], skipping the paths given (exact, or `*` for one segment); `fmt`
 * shows a differing value */
export function valueDiff(
  recorded: unknown,
  replayed: unknown,
  ignore: string[] = [],
  path = '$',
  out: string[] = [],
  fmt: (v: unknown) => string = show,
): string[] {
  if (out.length >= MAX_LINES) return out;
  if (ignore.some((p) => pathMatches(p, path))) return out;
  if (Object.is(recorded, replayed)) return out;
  const ra = Array.isArray(recorded);
  const pa = Array.isArray(replayed);
  if (ra && pa) {
    const a = recorded as unknown[];
    const b = replayed as unknown[];
    if (a.length !== b.length) out.push(`${path} length ${a.length} -> ${b.length}`);
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      valueDiff(a[i], b[i], ignore, `${path}[${i}]`, out, fmt);
    }
    return out;
  }
  if (isObject(recorded) && isObject(replayed) && !ra && !pa) {
    const keys = new Set([...Object.keys(recorded), ...Object.keys(replayed)]);
    for (const k of keys) {
      const sub = /^[A-Za-z_$][\w$]*$/.test(k) ? `${path}.${k}` : `${path}[${JSON.stringify(k)}]`;
      valueDiff(recorded[k], replayed[k], ignore, sub, out, fmt);
    }
    return out;
  }
  out.push(`${path}: ${fmt(recorded)} -> ${fmt(replayed)}`);
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

/** `$.a.*.b` matches `$.a.x.b` and `$.a[3].b`; a pattern also covers everything under it */
export function pathMatches(pattern: string, path: string): boolean {
  const norm = (p: string): string[] =>
    p
      .replace(/^\$?\.?/, '')
      .replace(/\[(\d+|\*)\]/g, '.$1')
      .replace(/\["([^"]*)"\]/g, '.$1')
      .split('.')
      .filter((x) => x !== '');
  const a = norm(pattern);
  const b = norm(path);
  if (a.length > b.length) return false;
  return a.every((seg, i) => seg === '*' || seg === b[i]);
}

export function cap(lines: string[]): string[] {
  return lines.length > MAX_LINES
    ? [...lines.slice(0, MAX_LINES), `… ${lines.length - MAX_LINES} more`]
    : lines;
}

/** Rows compared by digest; when they differ, up to three differing sampled rows are shown (or
 * the two digests, when the difference lies past the sample). Shared by the database replays. */
export function rowDifferences(
  at: string,
  a: { digest: string; sample: unknown[] },
  b: { digest: string; sample: unknown[] },
): string[] {
  if (a.digest === b.digest) return [];
  const out: string[] = [];
  const n = Math.max(a.sample.length, b.sample.length);
  for (let r = 0; r < n && out.length < 3; r++) {
    const x = a.sample[r];
    const y = b.sample[r];
    if (JSON.stringify(x) === JSON.stringify(y)) continue;
    out.push(`${at}row ${r + 1}: ${show(x)} -> ${show(y)}`);
  }
  if (out.length === 0) out.push(`${at}row data differs (digest ${a.digest} -> ${b.digest})`);
  return out;
}
