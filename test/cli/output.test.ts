// The stdout contract: --json prints only JSON lines that pino tools read (time, level, msg,
// type on every line); --quiet prints the announcement and nothing else. Needs `npm run build`.

import t from 'tap';
import {
  assertBuilt,
  connect,
  hashUntilEnd,
  payload,
  spawnLooptap,
  startEcho,
} from '../helpers/net.js';

t.before(assertBuilt);

async function traffic(port: number): Promise<void> {
  for (const body of [Buffer.from('PING\r\n'), payload(9, 5000)]) {
    const c = await connect(port);
    const got = hashUntilEnd(c);
    c.end(body);
    await got;
    c.destroy();
  }
}

t.test('--json: every stdout line is a pino-compatible JSON object', async (t) => {
  const echo = await startEcho(t);
  const lt = await spawnLooptap(t, ['--target', echo.address, '--json']);
  await traffic(lt.port);
  t.equal((await lt.stop()).code, 0);
  t.ok(lt.stdout.length >= 10, `${lt.stdout.length} lines`);
  const types = new Set<string>();
  let bad = 0;
  for (const line of lt.stdout) {
    let o: Record<string, unknown>;
    try {
      o = JSON.parse(line) as Record<string, unknown>;
    } catch {
      bad++;
      continue;
    }
    const ok =
      typeof o.time === 'number' &&
      typeof o.level === 'number' &&
      typeof o.msg === 'string' &&
      typeof o.type === 'string';
    if (!ok) bad++;
    else types.add(o.type as string);
  }
  t.equal(bad, 0, 'no line fails JSON.parse or lacks time/level/msg/type');
  for (const type of ['listening', 'open', 'data', 'end', 'close'])
    t.ok(types.has(type), `has ${type} lines`);
  t.match(JSON.parse(lt.stdout[0]!), { type: 'listening', msg: /^listening on / });
});

t.test('--quiet: only the announcement', async (t) => {
  const echo = await startEcho(t);
  const lt = await spawnLooptap(t, ['--target', echo.address, '--quiet']);
  await traffic(lt.port);
  t.equal((await lt.stop()).code, 0);
  t.equal(lt.stdout.length, 1, JSON.stringify(lt.stdout));
  t.match(lt.stdout[0], /^listening on 127\.0\.0\.1:\d+ -> /);
});
