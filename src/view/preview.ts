// Payload previews for one screen line: text when the bytes read as text, hex and ASCII when
// they do not. Control bytes are always escaped: a peer must not be able to move the cursor,
// change colours or forge log lines on the user's terminal.

export function preview(bytes: Buffer, max: number): string {
  let head = bytes.subarray(0, Math.max(0, max));
  if (head.length === 0) return '';
  const text = looksLikeText(head);
  // a hex byte takes four columns; show half as many so the line stays about as long
  if (!text) head = head.subarray(0, Math.max(1, Math.ceil(max / 2)));
  const more = bytes.length > head.length ? ` …+${bytes.length - head.length} B` : '';
  return (text ? quoteText(head) : hexAscii(head)) + more;
}

function looksLikeText(b: Buffer): boolean {
  let bad = 0;
  for (const c of b) {
    if (c === 0) return false;
    if (c < 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) bad++;
    else if (c === 0x7f) bad++;
  }
  return bad * 10 <= b.length && isUtf8ish(b);
}

function isUtf8ish(b: Buffer): boolean {
  // a cut in the middle of a multi-byte character at the end is fine
  const text = b.toString('utf8');
  const replaced = (text.match(/\uFFFD/g) ?? []).length;
  return replaced <= 1;
}

export function quoteText(b: Buffer): string {
  // inside quotes, a quote or backslash from the peer must not end or bend the literal
  return '"' + escapeText(b.toString('utf8').replace(/["\\]/g, '\\$&')) + '"';
}

/** escapes control characters (C0, DEL, C1, line/paragraph separators) for one screen line */
export function escapeText(s: string): string {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (ch) => {
    switch (ch) {
      case '\n':
        return '\\n';
      case '\r':
        return '\\r';
      case '\t':
        return '\\t';
      default: {
        const code = ch.charCodeAt(0);
        return code < 0x100
          ? `\\x${code.toString(16).padStart(2, '0')}`
          : `\\u${code.toString(16).padStart(4, '0')}`;
      }
    }
  });
}

export function hexAscii(b: Buffer): string {
  let hex = '';
  let ascii = '';
  for (let i = 0; i < b.length; i++) {
    const c = b[i]!;
    hex += (i ? ' ' : '') + c.toString(16).padStart(2, '0');
    ascii += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '.';
  }
  return `${hex} |${ascii}|`;
}
