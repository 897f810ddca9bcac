// The one failure rule of the byte readers: a read past the end never throws; it gives zero (or
// the bytes there are), moves to the end, sets `bad` and keeps in `why` what the FIRST failed
// read wanted. A nested reader fails its parent, and one made from a failed read is born failed.

import t from 'tap';
import { WireReader } from '../../src/decoders/wire-reader.js';
import { Reader as MyReader } from '../../src/decoders/mysql/reader.js';
import { Reader as PgReader } from '../../src/decoders/postgres/reader.js';

t.test('mysql: every read past the end returns a value, never throws', (t) => {
  const reads: [string, (r: MyReader) => unknown, unknown][] = [
    ['u8', (r) => r.u8(), 0],
    ['u16', (r) => r.u16(), 0],
    ['u24', (r) => r.u24(), 0],
    ['u32', (r) => r.u32(), 0],
    ['u64', (r) => r.u64(), 0n],
    ['f32', (r) => r.f32(), 0],
    ['f64', (r) => r.f64(), 0],
    ['lenenc', (r) => r.lenenc(), 0],
    ['lenencOrNull', (r) => r.lenencOrNull(), 0],
  ];
  for (const [name, read, zero] of reads) {
    const r = new MyReader(Buffer.from([0x01]));
    r.u8();
    t.equal(read(r), zero, `${name} past the end gives zero`);
    t.ok(r.bad, `${name}: bad`);
    t.match(r.why, /^packet too short for /, `${name}: why`);
    t.equal(r.pos, 1, `${name}: at the end`);
  }
  t.end();
});

t.test('mysql: the first failed read is the one named; lenenc 0xff and NULL fail', (t) => {
  const r = new MyReader(Buffer.from([0x05, 0x00]));
  t.equal(r.u32(), 0);
  t.equal(r.u8(), 0, 'reads after a failure give zero too');
  t.equal(r.why, 'packet too short for int<4>');
  const ff = new MyReader(Buffer.from([0xff, 1, 2]));
  t.equal(ff.lenenc(), 0);
  t.equal(ff.why, 'packet too short for lenenc int (0xff)');
  const nul = new MyReader(Buffer.from([0xfb, 1]));
  t.equal(nul.lenenc(), 0);
  t.equal(nul.why, 'packet too short for lenenc int (NULL)');
  const ok = new MyReader(Buffer.from([0xfb]));
  t.equal(ok.lenencOrNull(), null, 'NULL is fine where NULL is allowed');
  t.notOk(ok.bad);
  t.end();
});

t.test('bytes past the end: the bytes there are, and bad; upTo and rest never fail', (t) => {
  const r = new WireReader(Buffer.from('abc'));
  t.equal(r.bytes(5).toString(), 'abc');
  t.equal(r.why, 'packet too short for 5 bytes');
  const u = new WireReader(Buffer.from('abc'));
  t.equal(u.upTo(10).toString(), 'abc');
  t.equal(u.rest().length, 0);
  t.notOk(u.bad);
  t.end();
});

t.test('a huge length from the wire fails at once, it is never looped over', (t) => {
  const r = new MyReader(Buffer.from('fe' + 'ffffffffffff1f00' + '41', 'hex'));
  const b = r.lenencBytes();
  t.equal(b.toString(), 'A');
  t.ok(r.bad);
  t.equal(r.left, 0);
  t.end();
});

t.test('nested readers fail their parent; one cut from a failed read is born failed', (t) => {
  const r = new MyReader(Buffer.from([0x02, 0x01, 0x02, 0x09]));
  const inner = r.nested(r.u8());
  t.equal(inner.u16(), 0x0201);
  t.notOk(r.bad);
  t.equal(inner.u8(), 0);
  t.ok(inner.bad && r.bad, 'the failure reaches the parent');
  t.equal(r.why, 'packet too short for int<1>');
  const cut = new MyReader(Buffer.from([0x07, 0x01]));
  const born = cut.nested(cut.u8());
  t.ok(born.bad, 'born failed');
  t.equal(born.why, 'packet too short for 7 bytes', "with its parent's why");
  t.equal(born.u8(), 0);
  t.end();
});

t.test('postgres: the same rule, big-endian, cstring without a NUL is bad', (t) => {
  const r = new PgReader(Buffer.from([0x00, 0x01, 0x02]));
  t.equal(r.i16(), 1);
  t.equal(r.i32(), 0);
  t.ok(r.bad);
  t.equal(r.pos, 3);
  t.equal(r.why, 'message too short for int32');
  const s = new PgReader(Buffer.from('abc'));
  t.equal(s.cstring(), 'abc');
  t.ok(s.bad);
  t.equal(s.left, 0);
  t.end();
});
