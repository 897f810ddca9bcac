// A1 and A2 (research/reliability.md): bytes pass unchanged both ways, and the capture holds
// exactly those bytes. Seeded binary payloads (every byte value) in both directions at once,
// then a large transfer through an echo server. The capture file is read back with the real
// reader: the data events of each direction, base64-decoded and concatenated in seq order,
// must have the sha256 of what was sent. HEAVY: the 256 MiB echo (~10-20 s on 2 cores).

import t, { type Test } from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { openCaptureFile, readCapture, startRelay } from '../../src/index.js';
import type { From } from '../../src/index.js';
import {
  connect,
  hashUntilEnd,
  MiB,
  payload,
  PayloadStream,
  sha256,
  startEcho,
  startServer,
} from '../helpers/net.js';

const BIG = Number(process.env.LOOPTAP_BIG_MIB ?? 256) * MiB;

function tmp(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'looptap-fidelity-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** per direction: sha256 of the captured bytes, their count, and whether seq/offset are exact */
async function capturedHashes(path: string) {
  const h = { client: createHash('sha256'), server: createHash('sha256') };
  const next: Record<From, { seq: number; offset: number }> = {
    client: { seq: 0, offset: 0 },
    server: { seq: 0, offset: 0 },
  };
  let ordered = true;
  let closes = 0;
  for await (const e of readCapture(path)) {
    if (e.type === 'close') closes++;
    if (e.type !== 'data') continue;
    const n = next[e.from];
    if (e.seq !== n.seq || e.offset !== n.offset || e.len !== e.bytes.length) ordered = false;
    n.seq++;
    n.offset += e.bytes.length;
    h[e.from].update(e.bytes);
  }
  return {
    client: h.client.digest('hex'),
    server: h.server.digest('hex'),
    bytes: { client: next.client.offset, server: next.server.offset },
    ordered,
    closes,
  };
}

t.test('A1 seeded binary payloads both ways at once, captured exactly', async (t) => {
  const up = payload(1, 3 * MiB + 17);
  const down = payload(2, 5 * MiB + 3);
  t.equal(new Set(up).size, 256, 'the payload has every byte value');
  let serverGot: Promise<{ sha: string; bytes: number }> | undefined;
  const server = await startServer(t, (s) => {
    serverGot = hashUntilEnd(s);
    s.end(down);
  });
  const path = join(tmp(t), 'a1.jsonl');
  const capture = await openCaptureFile(path);
  const relay = await startRelay({ target: server.address, decode: 'raw', sinks: [capture] });
  t.teardown(() => relay.close(0));

  const c = await connect(relay.port);
  const clientGot = hashUntilEnd(c);
  c.end(up);
  const got = await clientGot;
  await once(c, 'close');
  t.equal(got.sha, sha256(down), 'client received the server payload unchanged');
  t.equal(got.bytes, down.length);
  const srv = await serverGot!;
  t.equal(srv.sha, sha256(up), 'server received the client payload unchanged');

  await relay.close();
  const cap = await capturedHashes(path);
  t.equal(cap.client, sha256(up), 'captured client bytes have the same sha256');
  t.equal(cap.server, sha256(down), 'captured server bytes have the same sha256');
  t.ok(cap.ordered, 'seq and offset are contiguous per direction');
  t.equal(cap.closes, 1);
});

t.test(`A2 ${BIG / MiB} MiB each way through an echo server, capture on (HEAVY)`, async (t) => {
  const echo = await startEcho(t);
  const path = join(tmp(t), 'a2.jsonl');
  const capture = await openCaptureFile(path);
  const relay = await startRelay({ target: echo.address, decode: 'raw', sinks: [capture] });
  t.teardown(() => relay.close(0));

  const src = new PayloadStream(7, BIG);
  const started = Date.now();
  const c = await connect(relay.port);
  const got = hashUntilEnd(c);
  await src.writeTo(c);
  const r = await got;
  const ms = Date.now() - started;
  t.equal(r.bytes, BIG, 'every byte came back');
  t.equal(r.sha, src.sha, 'the echo has the sha256 of what was sent');
  await relay.close();
  const cap = await capturedHashes(path);
  t.equal(cap.client, src.sha, 'capture: client direction sha256 equal');
  t.equal(cap.server, src.sha, 'capture: server direction sha256 equal');
  t.same(cap.bytes, { client: BIG, server: BIG });
  t.ok(cap.ordered, 'seq and offset are contiguous per direction');
  t.comment(
    `A2: ${BIG / MiB} MiB each way in ${ms} ms (${Math.round((2 * BIG) / MiB / (ms / 1000))} MiB/s both directions, capture written ${capture.written} B)`,
  );
});
