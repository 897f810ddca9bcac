// A PostgreSQL decoder that loses track during the login masks the rest of the connection, both
// ways: without the framing, a SCRAM nonce, salt or proof, an md5 hash or the cancel key cannot
// be told from other bytes, and the after-fallback scanner knows only SQL literals. (A user
// reported the SCRAM exchange and an md5 response in clear in a capture once the decoder had
// given up at the StartupMessage.) After the login, a fallback keeps the bytes readable.
// The real Observer and decoder, fed the messages of a SCRAM login chunk by chunk.

import t from 'tap';
import { Observer } from '../../../src/relay/observer.js';
import { DEFAULT_DECODER_OPTIONS } from '../../../src/decoders/decoder.js';
import type { CaptureEvent, DataEvent, From } from '../../../src/events.js';

const NONCE = 'NONCEcanary7Qx';
const SALT = 'SALTcanary3Wd';
const PROOF = 'PROOFcanary9Lm';
const MD5 = 'md5' + 'c64e705cdf686f97425c982a530a427d';

const int32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};
/** a typed message: type letter, length, body */
const msg = (type: string, ...body: Array<Buffer | string>) => {
  const b = Buffer.concat(body.map((x) => (typeof x === 'string' ? Buffer.from(x) : x)));
  return Buffer.concat([Buffer.from(type), int32(b.length + 4), b]);
};
const startup = () => {
  const body = Buffer.concat([int32(196608), Buffer.from('user\0app\0database\0app\0\0')]);
  return Buffer.concat([int32(body.length + 4), body]);
};

function run(chunks: Array<[From, Buffer]>) {
  const events: CaptureEvent[] = [];
  const obs = new Observer(1, 'postgres', DEFAULT_DECODER_OPTIONS, (e) => events.push(e));
  let time = 1000;
  for (const [from, bytes] of chunks) obs.data(from, bytes, time++);
  obs.close();
  const data = events.filter((e): e is DataEvent => e.type === 'data');
  const text = (from: From) =>
    Buffer.concat(data.filter((d) => d.from === from).map((d) => d.bytes)).toString('latin1');
  const fallbacks = events.filter((e) => e.type === 'error' && e.code === 'DECODE_FALLBACK');
  return { client: text('client'), server: text('server'), fallbacks: fallbacks.length };
}

t.test('a fallback in the middle of a SCRAM login masks the rest of it', async (t) => {
  const r = run([
    ['client', startup()],
    ['server', msg('R', int32(10), 'SCRAM-SHA-256\0\0')],
    // a message type the decoder does not know: it gives up here
    ['client', msg('u', 'what is this')],
    ['client', msg('p', 'SCRAM-SHA-256\0', int32(20 + NONCE.length), `n,,n=,r=${NONCE}`)],
    ['server', msg('R', int32(11), `r=${NONCE}srv,s=${SALT},i=4096`)],
    ['client', msg('p', `c=biws,r=${NONCE}srv,p=${PROOF}`)],
    ['client', msg('p', MD5, '\0')],
  ]);
  t.equal(r.fallbacks, 1, 'the decoder fell back once');
  for (const secret of [NONCE, SALT, PROOF, MD5.slice(3)]) {
    t.notOk(r.client.includes(secret) || r.server.includes(secret), `${secret.slice(0, 5)}…`);
  }
  t.ok(
    r.client.startsWith(startup().toString('latin1')),
    'what came before the fallback is as it was',
  );
});

t.test('a fallback after the login leaves the bytes readable', async (t) => {
  const r = run([
    ['client', startup()],
    ['server', Buffer.concat([msg('R', int32(0)), msg('Z', 'I')])],
    ['client', msg('u', 'what is this')],
    ['client', msg('Q', "select 'still readable'\0")],
    ['server', msg('C', 'SELECT 1\0')],
  ]);
  t.equal(r.fallbacks, 1);
  t.match(r.client, /select 'still readable'/);
  t.match(r.server, /SELECT 1/);
});
