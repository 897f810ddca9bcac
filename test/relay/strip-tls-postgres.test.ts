// createPostgresStripTls (src/relay/strip-tls-postgres.ts): SSLRequest/GSSENCRequest answered
// 'N' locally and not forwarded, in any chunking; everything else passes through unchanged.

// tap waits for a subtest by its returned promise: synchronous bodies are async on purpose
import t from 'tap';
import { createPostgresStripTls } from '../../src/relay/strip-tls-postgres.js';
import * as pg from '../helpers/pg-frames.js';

/** feeds client pieces; returns what was forwarded and what was replied, concatenated */
function run(pieces: Buffer[]): { forward: Buffer; reply: Buffer } {
  const s = createPostgresStripTls();
  const fwd: Buffer[] = [];
  const rep: Buffer[] = [];
  for (const p of pieces) {
    const r = s.client(p);
    fwd.push(r.forward);
    if (r.reply) rep.push(r.reply);
  }
  return { forward: Buffer.concat(fwd), reply: Buffer.concat(rep) };
}

const pieces = (b: Buffer, at: number[]): Buffer[] => {
  const out: Buffer[] = [];
  let prev = 0;
  for (const a of [...at, b.length]) {
    out.push(b.subarray(prev, a));
    prev = a;
  }
  return out;
};

t.test('SSLRequest: replied N, not forwarded, whatever the split', async (t) => {
  const start = pg.startup({ user: 'tap', database: 'tapdb' });
  const stream = Buffer.concat([pg.sslRequest(), start, pg.query('select 1')]);
  for (let i = 1; i < stream.length; i++) {
    const r = run(pieces(stream, [i]));
    if (!r.forward.equals(stream.subarray(8)) || r.reply.toString() !== 'N') {
      t.fail(`split at ${i}`);
      return;
    }
  }
  const oneByte = run(Array.from(stream, (_, i) => stream.subarray(i, i + 1)));
  t.same(oneByte.forward, stream.subarray(8));
  t.equal(oneByte.reply.toString(), 'N');
});

t.test('GSSENCRequest then SSLRequest: two Ns', async (t) => {
  const s = createPostgresStripTls();
  t.same(s.client(pg.gssencRequest()), { forward: Buffer.alloc(0), reply: Buffer.from('N') });
  t.same(s.client(pg.sslRequest()), { forward: Buffer.alloc(0), reply: Buffer.from('N') });
  const start = pg.startup({ user: 'u' });
  t.same(s.client(start), { forward: start });
  // after the first exchange everything passes, even bytes that look like a request
  t.same(s.client(pg.sslRequest()), { forward: pg.sslRequest() });
  const srv = Buffer.from('R\0\0\0\x08\0\0\0\0');
  t.equal(s.server(srv).forward, srv);
});

t.test('no request: passes through untouched at once', async (t) => {
  const s2 = createPostgresStripTls();
  const held = s2.client(Buffer.from([0, 0, 0]));
  t.same(held, { forward: Buffer.alloc(0) }, 'three zero bytes could still be a request: held');
  t.same(s2.client(Buffer.from([0x37, 0, 3, 0, 0])), {
    forward: Buffer.from([0, 0, 0, 0x37, 0, 3, 0, 0]),
  });
  const s3 = createPostgresStripTls();
  t.same(s3.client(Buffer.from('GET / HTTP/1.1\r\n')), {
    forward: Buffer.from('GET / HTTP/1.1\r\n'),
  });
});
