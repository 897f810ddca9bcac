// B1 and B2 (research/reliability.md), HEAVY (~30 s): many connections at once and many short
// ones in a row through a looptap child process. Every connection must be served byte-exact,
// every `open` in the capture must have its `close`, and looptap's open file descriptors
// (/proc/PID/fd) must come back to where they were before the load.

import t from 'tap';
import net from 'node:net';
import { once } from 'node:events';
import { readCapture } from '../../src/index.js';
import { assertBuilt, fdCount, mapLimit, payload, sha256, looptapToEcho } from '../helpers/net.js';

const CONCURRENT = 1000;
const EACH = 64 * 1024;
const SHORT = 10_000;
const SHORT_PARALLEL = 50;

t.before(assertBuilt);

async function fdsBackTo(pid: number, base: number, ms = 5000): Promise<number> {
  const deadline = Date.now() + ms;
  let n = fdCount(pid);
  while (Math.abs(n - base) > 2 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    n = fdCount(pid);
  }
  return n;
}

/** one connection: send `data`, half-close, read the echo to EOF; resolves with its sha256 */
function echoOnce(port: number, data: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    const c = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
    c.on('error', reject);
    c.on('data', (d: Buffer) => parts.push(d));
    c.on('end', () => {
      c.destroy();
      resolve(sha256(parts));
    });
    c.end(data);
  });
}

t.test('B1 + B2: 1,000 concurrent x 64 KiB, then 10,000 short connections (HEAVY)', async (t) => {
  const { lt, capture } = await looptapToEcho(t);
  const base = fdCount(lt.pid);

  // B1: all connections open at the same time, each with its own payload
  const started = Date.now();
  const sockets: net.Socket[] = [];
  for (let i = 0; i < CONCURRENT; i++) {
    const s = net.connect({ host: '127.0.0.1', port: lt.port, allowHalfOpen: true });
    s.on('error', () => undefined);
    sockets.push(s);
  }
  await Promise.all(sockets.map((s) => once(s, 'connect')));
  let peak = fdCount(lt.pid);
  const results = await Promise.all(
    sockets.map(
      (s, i) =>
        new Promise<boolean>((resolve) => {
          const data = payload(1000 + i, EACH);
          const parts: Buffer[] = [];
          s.on('data', (d: Buffer) => parts.push(d));
          s.on('end', () => {
            s.destroy();
            resolve(sha256(parts) === sha256(data));
          });
          s.on('close', () => resolve(false));
          s.end(data);
          if (i % 100 === 0) peak = Math.max(peak, fdCount(lt.pid));
        }),
    ),
  );
  const b1ms = Date.now() - started;
  t.equal(results.filter(Boolean).length, CONCURRENT, 'B1: every echo has the right sha256');
  const afterB1 = await fdsBackTo(lt.pid, base);
  t.ok(Math.abs(afterB1 - base) <= 2, `B1: fds ${base} before, ${peak} peak, ${afterB1} after`);

  // B2: churn; each is open, 1 byte, close
  const started2 = Date.now();
  const one = Buffer.from('x');
  const shas = await mapLimit(Array.from({ length: SHORT }), SHORT_PARALLEL, () =>
    echoOnce(lt.port, one).catch((e: Error) => e.message),
  );
  const b2ms = Date.now() - started2;
  const want = sha256(one);
  t.equal(shas.filter((s) => s === want).length, SHORT, 'B2: every short connection echoed');
  const afterB2 = await fdsBackTo(lt.pid, base);
  t.ok(Math.abs(afterB2 - base) <= 2, `B2: fds ${base} before, ${afterB2} after`);

  const { code } = await lt.stop('SIGTERM');
  t.equal(code, 0, 'clean exit');
  const opens = new Set<number>();
  const closes = new Set<number>();
  const reasons = new Map<string, number>();
  for await (const e of readCapture(capture)) {
    if (e.type === 'open') opens.add(e.conn);
    else if (e.type === 'close') {
      closes.add(e.conn);
      reasons.set(e.reason, (reasons.get(e.reason) ?? 0) + 1);
    }
  }
  t.equal(opens.size, CONCURRENT + SHORT, 'one open per connection');
  t.same(
    [...opens].filter((c) => !closes.has(c)),
    [],
    'every open has its close',
  );
  t.same(Object.fromEntries(reasons), { client_fin: CONCURRENT + SHORT }, 'all closed cleanly');
  t.comment(
    `B1: ${CONCURRENT} x ${EACH / 1024} KiB in ${b1ms} ms, fds ${base} -> peak ${peak} -> ${afterB1}; B2: ${SHORT} short in ${b2ms} ms (${Math.round(SHORT / (b2ms / 1000))} conn/s), fds after ${afterB2}`,
  );
});
