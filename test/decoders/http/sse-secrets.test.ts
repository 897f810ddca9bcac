// The text/event-stream body scanner: each event's data masked as one JSON payload, whatever
// the chunking (every split point, one byte at a time), LF or CRLF lines; other fields, plain
// data and the next event's data left alone.

import t from 'tap';
import { bodyScanner } from '../../../src/decoders/http/body-secrets.js';
import { DEFAULT_SECRET_NAMES } from '../../../src/decoders/http/secret-names.js';

const SSE: Array<[string, string]> = [['content-type', 'text/event-stream; charset=utf-8']];

/** the body masked by a scanner fed in the given pieces */
function masked(body: string, cuts: number[]): string {
  const buf = Buffer.from(body);
  const scanner = bodyScanner(SSE, DEFAULT_SECRET_NAMES)!;
  let from = 0;
  for (const to of [...cuts, buf.length]) {
    scanner.feed(buf, from, to, (s, e) => buf.fill(0x2a, s, e));
    from = to;
  }
  return buf.toString();
}

const stars = (s: string) => '*'.repeat(s.length);

for (const eol of ['\n', '\r\n']) {
  const body = [
    ': a comment with "password":"not json"',
    'event: token',
    'id: 7',
    'data: {"user":"ada",',
    'data:"access_token":"TOK1","n":1}',
    '',
    'data: password is a word here, "password":"NOT1"',
    '',
    'data: [{"secret":"SEC2"}]',
    'retry: 10',
    '',
    'data: {"token":',
    '',
    'data: "NOTJSON3"}',
    '',
    '',
  ].join(eol);
  const want = body.replace('"TOK1"', `"${stars('TOK1')}"`).replace('"SEC2"', `"${stars('SEC2')}"`);
  const label = eol === '\n' ? 'LF' : 'CRLF';

  t.test(`${label}: masked the same at every split point`, async (t) => {
    const whole = masked(body, []);
    // an event's payload ends at its blank line: after `{"token":`, the next event's `"NOTJSON3"}`
    // is a payload of its own, which does not start as JSON, so it stays
    t.equal(whole, want);
    let bad = 0;
    for (let i = 1; i < Buffer.byteLength(body); i++) if (masked(body, [i]) !== whole) bad++;
    t.equal(bad, 0, 'no split point changes the result');
    const bytes = Array.from({ length: Buffer.byteLength(body) - 1 }, (_, i) => i + 1);
    t.equal(masked(body, bytes), whole, 'one byte at a time');
  });
}

t.test('not an event stream: not this scanner', async (t) => {
  const buf = Buffer.from('data: {"password":"X"}');
  const scanner = bodyScanner([['content-type', 'text/plain']], DEFAULT_SECRET_NAMES)!;
  scanner.feed(buf, 0, buf.length, (s, e) => buf.fill(0x2a, s, e));
  t.equal(buf.toString(), 'data: {"password":"X"}', 'a text body that does not start as JSON');
});
