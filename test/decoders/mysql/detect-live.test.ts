// A connection on which the client sends nothing (a health check, `nc -z`: connect, then FIN)
// in front of a real MariaDB is detected as MySQL from the server's greeting alone, even though
// the client's FIN reaches looptap before the greeting does; its capture has nothing to replay
// (skipped, never compared against a fresh random salt).

import t from 'tap';
import net from 'node:net';
import { once } from 'node:events';
import { join } from 'node:path';
import { MemorySink, openCaptureFile, startRelay } from '../../../src/index.js';
import type { MessageEvent } from '../../../src/index.js';
import { prepare } from '../../../src/replay/run.js';
import type { ReplaySettings } from '../../../src/replay/types.js';
import { haveMariaDb, startMariaDb } from '../../helpers/mariadb-server.js';
import { tempDir } from '../../replay/helpers.js';

t.test('a client that sends nothing: MySQL from the greeting', { timeout: 90_000 }, async (t) => {
  if (!haveMariaDb(t)) return;
  const db = await startMariaDb(t, 'detect_pw_8Rt');
  const dir = tempDir(t, 'looptap-mysql-detect-');
  const path = join(dir, 'probe.jsonl');
  const file = await openCaptureFile(path);
  const mem = new MemorySink();
  const relay = await startRelay({
    target: `127.0.0.1:${db.port}`,
    decode: 'auto',
    sinks: [mem, file],
  });
  let closed = false;
  t.teardown(() => (closed ? undefined : relay.close(0)));

  for (let i = 0; i < 3; i++) {
    const s = net.connect({ host: '127.0.0.1', port: relay.port });
    await once(s, 'connect');
    s.end(); // FIN at once, as `nc -z` does
    s.resume();
    await once(s, 'close');
  }
  const greetings = (): MessageEvent[] =>
    mem.messages('mysql').filter((m) => m.name === 'HandshakeV10');
  await mem.waitFor(() => greetings().length === 3);
  await mem.waitFor(() => mem.ofType('close').length === 3);
  await relay.close();
  closed = true;

  t.equal(greetings().length, 3, 'every probe decoded as MySQL from its greeting');
  const raw = mem.ofType('data').filter((d) => d.from === 'server' && d.protocol !== 'mysql');
  t.same(raw, [], 'no server bytes left raw');
  t.notOk(
    mem.events.some((e) => e.type === 'error'),
    'no fallback',
  );

  const settings: ReplaySettings = {
    host: '127.0.0.1',
    port: db.port,
    pace: 'fast',
    quietMs: 200,
    timeoutMs: 5000,
    ignoreHeaders: [],
    ignoreJsonPaths: [],
    headers: [],
    passwords: {},
  };
  const { plans, skipped } = await prepare({ file: path }, settings);
  t.same(plans, [], 'nothing to replay');
  t.equal(skipped.length, 3, 'each probe is skipped');
  t.ok(
    skipped.every((s) => /the client sent nothing/.test(s.why)),
    'because the client sent nothing',
  );
});
