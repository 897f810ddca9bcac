// A10 and A11 (research/reliability.md), HEAVY (~15 s): a reader that stops reading must slow
// the writer down, not fill looptap's memory. looptap runs as a child (bin/looptap.js, so run
// `npm run build` first) and its peak resident set (VmHWM) is read from /proc after 256 MiB went
// to a client that paused for a few seconds, and 64 MiB to a server that did the same.

import t from 'tap';
import net from 'node:net';
import { once } from 'node:events';
import {
  assertBuilt,
  connect,
  hashUntilEnd,
  MiB,
  PayloadStream,
  spawnLooptap,
  startServer,
  vmHwm,
} from '../helpers/net.js';

const DOWN = Number(process.env.LOOPTAP_BIG_MIB ?? 256) * MiB;
const UP = 64 * MiB;
const PAUSE_MS = 3000;
const HWM_LIMIT = 200 * MiB;

t.before(assertBuilt);

t.test('A10 + A11 paused readers: memory bounded, every byte arrives (HEAVY)', async (t) => {
  const down = new PayloadStream(31, DOWN);
  const up = new PayloadStream(32, UP);
  let written = 0;
  let serverGot: Promise<{ sha: string; bytes: number }> | undefined;
  let serverSock: net.Socket | undefined;
  const server = await startServer(t, (s) => {
    serverSock = s;
    // the server is the paused reader for A11: it reads only after PAUSE_MS
    serverGot = hashUntilEnd(s);
    s.pause();
    setTimeout(() => s.resume(), PAUSE_MS);
    void (async () => {
      for (let i = 0; i < down.chunks; i++) {
        if (s.destroyed) return;
        written += down.chunk(i).length;
        if (!s.write(down.chunk(i))) await once(s, 'drain');
      }
      s.end();
    })();
  });
  const lt = await spawnLooptap(t, ['--target', server.address, '--decode', 'raw', '--quiet']);
  const baseHwm = vmHwm(lt.pid);

  const c = await connect(lt.port);
  c.pause();
  const upDone = up.writeTo(c);
  await new Promise((r) => setTimeout(r, PAUSE_MS));
  const writtenWhilePaused = written;
  t.ok(
    writtenWhilePaused < 64 * MiB,
    `the server could write only ${Math.round(writtenWhilePaused / MiB)} MiB while the client did not read`,
  );
  const got = hashUntilEnd(c);
  c.resume();
  const r = await got;
  await upDone;
  const s = await serverGot!;
  t.equal(r.bytes, DOWN, 'the client got every byte after resuming');
  t.equal(r.sha, down.sha, 'A10: sha256 equal');
  t.equal(s.bytes, UP);
  t.equal(s.sha, up.sha, 'A11: sha256 equal');
  serverSock?.end();

  const hwm = vmHwm(lt.pid);
  t.ok(hwm < HWM_LIMIT, `looptap VmHWM ${Math.round(hwm / MiB)} MiB < ${HWM_LIMIT / MiB} MiB`);
  t.comment(
    `A10/A11: VmHWM ${Math.round(baseHwm / MiB)} MiB at start, ${Math.round(hwm / MiB)} MiB after ${DOWN / MiB} MiB down + ${UP / MiB} MiB up with ${PAUSE_MS} ms pauses; server wrote ${Math.round(writtenWhilePaused / MiB)} MiB during the pause`,
  );
  const { code } = await lt.stop('SIGTERM');
  t.equal(code, 0);
});
