// A small RESP2/RESP3 reader for replay (https://redis.io/docs/latest/develop/reference/protocol-spec/):
// one value from a buffer, or undefined while it is incomplete. Values come back JSON-safe for
// comparison: errors as {error}, maps as objects, blobs as UTF-8 text.

export type Resp =
  null | boolean | number | string | Resp[] | { [k: string]: Resp } | { error: string };

export interface Parsed {
  value: Resp;
  end: number;
  /** the command's arguments when the value is a client command (array of bulk strings) */
  args?: string[];
}

const MAX_DEPTH = 64;

export function parseResp(b: Buffer, pos: number, depth = 0): Parsed | undefined {
  if (pos >= b.length || depth > MAX_DEPTH) return undefined;
  const lineEnd = b.indexOf('\r\n', pos);
  if (lineEnd === -1) return undefined;
  const type = String.fromCharCode(b[pos]!);
  const line = b.toString('utf8', pos + 1, lineEnd);
  const next = lineEnd + 2;
  switch (type) {
    case '+':
      return { value: line, end: next };
    case '-':
      return { value: { error: line }, end: next };
    case ':':
      return { value: Number(line), end: next };
    case ',':
      return { value: Number(line), end: next };
    case '(':
      return { value: line, end: next };
    case '#':
      return { value: line === 't', end: next };
    case '_':
      return { value: null, end: next };
    case '$':
    case '=':
    case '!': {
      const n = Number(line);
      if (n < 0) return { value: null, end: next };
      if (next + n + 2 > b.length) return undefined;
      // '=' verbatim strings start with a 3-letter format and a colon
      const text = b.toString('utf8', type === '=' ? next + 4 : next, next + n);
      return { value: type === '!' ? { error: text } : text, end: next + n + 2 };
    }
    case '*':
    case '~':
    case '>':
    case '%':
    case '|': {
      const n = Number(line);
      if (n < 0) return { value: null, end: next };
      const count = type === '%' || type === '|' ? n * 2 : n;
      const items: Resp[] = [];
      let at = next;
      for (let i = 0; i < count; i++) {
        const p = parseResp(b, at, depth + 1);
        if (!p) return undefined;
        items.push(p.value);
        at = p.end;
      }
      if (type === '|') {
        // attributes come before the reply they describe: skip them
        const p = parseResp(b, at, depth + 1);
        return p && { value: p.value, end: p.end };
      }
      if (type === '%') {
        const obj: { [k: string]: Resp } = {};
        for (let i = 0; i < items.length; i += 2)
          obj[typeof items[i] === 'string' ? (items[i] as string) : JSON.stringify(items[i])] =
            items[i + 1]!;
        return { value: obj, end: at };
      }
      const args = items.every((x) => typeof x === 'string') ? items : undefined;
      return { value: items, end: at, args };
    }
    default: {
      // an inline command: words on one line
      return { value: line, end: next, args: b.toString('utf8', pos, lineEnd).trim().split(/\s+/) };
    }
  }
}
