// --strip-tls, MySQL part: the greeting loses CLIENT_SSL, same length, under every chunking.

import t from 'tap';
import { createMysqlStripTls } from '../../src/relay/strip-tls-mysql.js';
import { mysql } from '../../src/decoders/mysql/index.js';
import { DEFAULT_DECODER_OPTIONS } from '../../src/decoders/decoder.js';
import { BASE_CAPS, CAPS, err, greeting, ok } from '../helpers/mysql-frames.js';

const CAPS_LO_HIGH = 4 + 1 + '8.0.36'.length + 1 + 4 + 8 + 1 + 1;

function through(parts: Buffer[]): Buffer {
  const s = createMysqlStripTls();
  return Buffer.concat(parts.map((p) => s.server(p).forward));
}

t.test('clears CLIENT_SSL in the greeting, at every split point', (t) => {
  const g = Buffer.concat([greeting({ caps: BASE_CAPS | CAPS.SSL }), ok(2)]);
  t.equal(g[CAPS_LO_HIGH]! & 0x08, 0x08);
  const want = Buffer.from(g);
  want[CAPS_LO_HIGH] = g[CAPS_LO_HIGH]! & ~0x08;
  let bad = 0;
  for (let a = 0; a <= g.length; a++) {
    for (const b of [a, a + 1, a + 7]) {
      const parts = [
        g.subarray(0, a),
        g.subarray(a, Math.min(b, g.length)),
        g.subarray(Math.min(b, g.length)),
      ];
      if (!through(parts).equals(want)) bad++;
    }
  }
  t.equal(bad, 0);
  t.ok(through(Array.from(g, (_, i) => g.subarray(i, i + 1))).equals(want), 'one byte at a time');
  const dec = mysql.create(DEFAULT_DECODER_OPTIONS);
  const msg = dec.push('server', want, 0).messages[0]!;
  t.equal((msg.fields.capabilities as number) & CAPS.SSL, 0, 'the decoder sees no SSL');
  t.ok(g.subarray(0, 10).equals(Buffer.from(g.subarray(0, 10))), 'input not modified');
  t.equal(g[CAPS_LO_HIGH]! & 0x08, 0x08, 'input buffer left alone');
  t.end();
});

t.test('passes everything else unchanged', (t) => {
  const plain = greeting({ caps: BASE_CAPS });
  t.ok(through([plain]).equals(plain), 'no SSL bit: same bytes');
  const e = err(0, 1040, 'Too many connections');
  t.ok(through([e]).equals(e), 'pre-greeting ERR untouched');
  const pg = Buffer.from('4e', 'hex');
  t.ok(through([pg]).equals(pg));
  const s = createMysqlStripTls();
  const c = Buffer.from('hello');
  const r = s.client(c);
  t.equal(r.forward, c);
  t.equal(r.reply, undefined);
  // later server bytes that happen to have bit 0x08 are not touched
  const g = greeting({ caps: BASE_CAPS | CAPS.SSL });
  s.server(g);
  const later = Buffer.alloc(64, 0xff);
  t.ok(s.server(later).forward.equals(Buffer.alloc(64, 0xff)));
  t.end();
});
