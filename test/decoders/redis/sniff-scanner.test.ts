// Trust for Redis (issue 9): a person's text line is not taken for Redis (`hello there` is not
// HELLO), and the secret scanner (DecoderModule.scanner, run by the Observer on bytes no decoder
// reads) masks AUTH, HELLO AUTH, MIGRATE AUTH and CONFIG SET/GET secrets in RESP and inline form,
// whatever the chunking, with bounded memory: a canary never survives in plain, base64 or hex.

import t from 'tap';
import net from 'node:net';
import { once } from 'node:events';
import { MemorySink, startRelay } from '../../../src/index.js';
import { startServer } from '../../helpers/net.js';
import { redis } from '../../../src/decoders/redis/index.js';
import { DEFAULT_DECODER_OPTIONS } from '../../../src/decoders/decoder.js';
import { Redactor } from '../../../src/relay/redactor.js';
import type { From } from '../../../src/events.js';
import { secretForms } from '../../helpers/feed.js';
import { cmd } from '../../helpers/redis-frames.js';

t.test('plain text lines are not Redis', (t) => {
  const s = (head: string) => redis.sniff('client', Buffer.from(head, 'latin1'));
  t.equal(s('hello there\n'), 'no', 'a greeting is not HELLO');
  t.equal(s('Hello world\r\n'), 'no');
  t.equal(s('ping me later\n'), 'no');
  t.equal(s('quit now\n'), 'no');
  t.equal(s('select all from x\n'), 'no');
  t.equal(s('HELLO\r\n'), 'yes', 'HELLO alone');
  t.equal(s('HELLO 3\r\n'), 'yes');
  t.equal(s('hello 3 AUTH default pw\n'), 'yes');
  t.equal(s('PING\r\n'), 'yes');
  t.equal(s('PING hi\r\n'), 'yes');
  t.equal(s('SELECT 2\r\n'), 'yes');
  t.equal(s('QUIT\r\n'), 'yes');
  t.equal(s('hello th'), 'more', 'waits for the line');
  t.end();
});

const CANARY = 'ScanCanary_9d2e';

/** runs the scanner and the relay's Redactor over chunks, as the Observer does after a fallback */
function scan(chunks: Array<[From, Buffer]>): Record<From, Buffer> {
  const scanner = redis.scanner!(DEFAULT_DECODER_OPTIONS);
  const redactor = new Redactor();
  const offset: Record<From, number> = { client: 0, server: 0 };
  const out: Record<From, Buffer[]> = { client: [], server: [] };
  for (const [from, bytes] of chunks) {
    for (const m of scanner.push(from, bytes, offset[from])) redactor.add(m);
    out[from].push(redactor.apply(from, offset[from], bytes).bytes);
    offset[from] += bytes.length;
  }
  return { client: Buffer.concat(out.client), server: Buffer.concat(out.server) };
}

/** every split of `bytes` into two chunks, and one byte at a time */
function splits(bytes: Buffer): Buffer[][] {
  const all: Buffer[][] = [Array.from(bytes, (_, i) => bytes.subarray(i, i + 1))];
  for (let at = 1; at < bytes.length; at++) all.push([bytes.subarray(0, at), bytes.subarray(at)]);
  return all;
}

const leaks = (b: Buffer): string[] => {
  const text = [b.toString('latin1'), b.toString('base64'), b.toString('hex')].join('\n');
  return secretForms(CANARY).filter((f) => text.includes(f));
};

const shapes: Array<[string, From, Buffer]> = [
  ['RESP AUTH pw', 'client', cmd('AUTH', CANARY)],
  ['RESP AUTH user pw', 'client', cmd('auth', 'default', CANARY)],
  [
    'RESP HELLO 3 AUTH user pw SETNAME',
    'client',
    cmd('HELLO', '3', 'AUTH', 'u', CANARY, 'SETNAME', 'n'),
  ],
  ['RESP CONFIG SET requirepass', 'client', cmd('CONFIG', 'SET', 'requirepass', CANARY)],
  ['RESP CONFIG SET masterauth', 'client', cmd('config', 'set', 'masterauth', CANARY)],
  [
    'RESP MIGRATE AUTH2',
    'client',
    cmd('MIGRATE', 'h', '1', '', '0', '5', 'AUTH2', 'u', CANARY, 'KEYS', 'a'),
  ],
  [
    'CONFIG GET reply',
    'server',
    Buffer.from(`*2\r\n$11\r\nrequirepass\r\n$${CANARY.length}\r\n${CANARY}\r\n`),
  ],
  ['inline AUTH', 'client', Buffer.from(`AUTH ${CANARY}\r\n`)],
  ['inline AUTH user pw', 'client', Buffer.from(`auth bob ${CANARY}\n`)],
  ['inline HELLO AUTH', 'client', Buffer.from(`HELLO 3 AUTH default ${CANARY}\r\n`)],
  ['inline CONFIG SET', 'client', Buffer.from(`config set requirepass "${CANARY}"\r\n`)],
];

t.test('the scanner masks every shape at every split', (t) => {
  for (const [name, from, secret] of shapes) {
    // after other traffic, so offsets are not zero, and followed by a command that stays readable
    const before = cmd('SET', 'k', 'v');
    const after = cmd('GET', 'after');
    const bytes = Buffer.concat([before, secret, after]);
    let bad = 0;
    for (const pieces of splits(bytes)) {
      const got = scan(pieces.map((p) => [from, p]))[from];
      if (leaks(got).length || !got.subarray(got.length - after.length).equals(after)) bad++;
    }
    t.equal(bad, 0, `${name}: masked at every split, what follows untouched`);
    const whole = scan([[from, bytes]])[from];
    t.equal(whole.subarray(0, before.length).toString(), before.toString(), 'what came before too');
  }
  t.end();
});

t.test('a RESP secret longer than the chunk is masked as it arrives', (t) => {
  const long = CANARY + 'x'.repeat(5000);
  const bytes = cmd('AUTH', long);
  const pieces: Array<[From, Buffer]> = [];
  for (let i = 0; i < bytes.length; i += 700) pieces.push(['client', bytes.subarray(i, i + 700)]);
  const got = scan(pieces).client;
  t.notOk(got.includes('xxxx'), 'every byte of the value masked');
  t.same(leaks(got), []);
  t.end();
});

t.test('bounded: a megabyte of traffic without secrets keeps only the tail', (t) => {
  const scanner = redis.scanner!(DEFAULT_DECODER_OPTIONS);
  const chunk = cmd('SET', 'key', 'v'.repeat(60_000));
  let masks = 0;
  for (let i = 0; i < 20; i++) masks += scanner.push('client', chunk, i * chunk.length).length;
  t.equal(masks, 0, 'no false mask');
  const tail = (scanner as unknown as { tail: Record<From, string> }).tail.client;
  t.ok(tail.length <= 1024, `tail ${tail.length} chars`);
  t.end();
});

t.test('through the relay, a plain-text line protocol stays raw and whole', async (t) => {
  const srv = await startServer(t, (s) => {
    s.on('data', (c: Buffer) => s.write(`you said: ${c.toString()}`));
    s.on('end', () => s.end());
  });
  const mem = new MemorySink();
  const relay = await startRelay({ target: srv.address, sinks: [mem] });
  const s = net.connect(relay.port, '127.0.0.1');
  await once(s, 'connect');
  s.write('hello there\n');
  const [answer] = (await once(s, 'data')) as [Buffer];
  t.equal(answer.toString(), 'you said: hello there\n');
  s.end();
  await once(s, 'close');
  await relay.close(3000);
  t.same(mem.messages(), [], 'no Redis messages');
  t.same(
    mem.ofType('error').map((e) => e.code),
    [],
    'no decoder fallback',
  );
  const server = mem.ofType('data').filter((d) => d.from === 'server');
  t.equal(Buffer.concat(server.map((d) => d.bytes)).toString(), 'you said: hello there\n');
  t.notOk(
    server.some((d) => d.protocol),
    'shown as raw bytes',
  );
});
