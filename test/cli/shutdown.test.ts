// D7 (research/reliability.md): on SIGTERM or SIGINT looptap stops accepting at once, lets open
// connections finish within the grace period, closes the ones that do not, flushes the capture
// (every `open` has its `close`) and exits 0. Needs `npm run build`.

import t from 'tap';
import net from 'node:net';
import { readCapture } from '../../src/index.js';
import type { CloseReason } from '../../src/index.js';
import {
  assertBuilt,
  connect,
  hashUntilEnd,
  outcome,
  payload,
  sha256,
  looptapToEcho,
} from '../helpers/net.js';

t.before(assertBuilt);

const ACTIVE = 20;

let probesAccepted = 0;

async function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.on('connect', () => {
      probesAccepted++;
      s.destroy();
      resolve(false);
    });
    s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ECONNREFUSED'));
  });
}

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  t.test(`D7 ${signal} with ${ACTIVE} active and 1 idle connection`, async (t) => {
    const { lt, capture } = await looptapToEcho(t, ['--grace', '1500']);
    const active = await Promise.all(Array.from({ length: ACTIVE }, () => connect(lt.port)));
    const idle = await connect(lt.port);
    idle.on('error', () => undefined);
    // a round trip on every connection first: a connection still in the kernel's accept queue
    // when the listener closes is reset by the kernel, which is "not accepted", not a loss
    const firstEcho = (c: net.Socket, n: number): Promise<void> =>
      new Promise((resolve) => {
        let got = 0;
        const on = (d: Buffer): void => {
          got += d.length;
          if (got < n) return;
          c.off('data', on);
          c.pause();
          resolve();
        };
        c.on('data', on);
      });
    const primed = [...active, idle].map((c, i) => {
      const p = firstEcho(c, i < ACTIVE ? 1000 : 1);
      c.write(i < ACTIVE ? payload(500 + i, 1000) : 'x');
      return p;
    });
    await Promise.all(primed);
    const idleOutcome = outcome(idle);
    idle.resume();
    const results = active.map((c) => {
      const got = hashUntilEnd(c);
      c.resume();
      return got.catch((e: NodeJS.ErrnoException) => ({ sha: e.code ?? 'error', bytes: 0 }));
    });

    const started = Date.now();
    probesAccepted = 0;
    lt.child.kill(signal);
    // the listener closes at once: poll until a new connection is refused
    let isRefused = false;
    while (!isRefused && Date.now() - started < 1000) isRefused = await refused(lt.port);
    t.ok(isRefused, `new connections refused ${Date.now() - started} ms after ${signal}`);

    // the active connections finish their work after the signal, within the grace period
    await new Promise((r) => setTimeout(r, 200));
    active.forEach((c, i) => c.end(payload(600 + i, 1000)));
    const got = await Promise.all(results);
    got.forEach((g, i) =>
      t.equal(
        g.sha,
        sha256(payload(600 + i, 1000)),
        `active #${i + 1} finished its work after the signal`,
      ),
    );
    const code = await lt.exited;
    const ms = Date.now() - started;
    t.equal(code, 0, `exit 0 after ${signal}`);
    t.ok(ms < 1500 + 2000, `exited ${ms} ms after the signal (grace 1500 ms)`);
    t.equal(
      await idleOutcome,
      'ECONNRESET',
      'the idle connection was reset when the grace ran out',
    );

    const opens = new Set<number>();
    const reasons = new Map<number, CloseReason>();
    for await (const e of readCapture(capture)) {
      if (e.type === 'open') opens.add(e.conn);
      if (e.type === 'close') reasons.set(e.conn, e.reason);
    }
    // a probe that got in before the listener closed is a connection like any other (one still
    // in the kernel's accept queue at that moment is reset and never opened)
    t.ok(
      opens.size >= ACTIVE + 1 && opens.size <= ACTIVE + 1 + probesAccepted,
      `${opens.size} connections opened (${probesAccepted} probes connected)`,
    );
    t.same(
      [...opens].filter((c) => !reasons.has(c)),
      [],
      'every open has its close',
    );
    const counts: Record<string, number> = {};
    for (const r of reasons.values()) counts[r] = (counts[r] ?? 0) + 1;
    t.same(
      counts,
      { client_fin: opens.size - 1, shutdown: 1 },
      'finished ones clean, the idle one cut',
    );
    t.comment(`D7 ${signal}: exit ${code} in ${ms} ms; stderr ${JSON.stringify(lt.stderr)}`);
  });
}
