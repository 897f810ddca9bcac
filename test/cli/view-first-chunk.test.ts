// `looptap view` of a capture the CLI wrote: a decoded connection's first chunk is no longer
// shown as hex before its first frame (src/view/data-hold.ts), while a connection no decoder
// reads still shows every chunk, and --show-data still shows them all. Needs `npm run build`.
import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { assertBuilt, connect, runLooptap, spawnLooptap, startEcho } from '../helpers/net.js';

t.before(assertBuilt);

async function roundTrip(port: number, bytes: Buffer): Promise<void> {
  const s = await connect(port);
  let got = 0;
  s.on('data', (c: Buffer) => {
    got += c.length;
    if (got >= bytes.length) s.end();
  });
  s.write(bytes);
  await once(s, 'close');
}

t.test('view: no hex line before a decoded connection first frame', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'looptap-view1-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'c.jsonl');
  const echo = await startEcho(t);
  const lt = await spawnLooptap(t, ['--target', echo.address, '--quiet', '--capture', file]);
  await roundTrip(lt.port, Buffer.from('*1\r\n$4\r\nPING\r\n')); // Redis: decoded
  await roundTrip(lt.port, Buffer.from([0, 1, 2, 3, 0xfe, 0xff])); // nothing reads this
  t.equal((await lt.stop()).code, 0);

  const view = await runLooptap(['view', file]);
  t.equal(view.code, 0, view.stderr);
  t.match(view.stdout, /#1 redis PING -> /);
  t.notMatch(view.stdout, /#1 (->|<-) \d+ B /, 'no chunk line for the decoded connection');
  t.match(view.stdout, /#2 -> 6 B 00 01 02 03 fe ff/, 'the raw connection keeps its chunks');
  t.match(view.stdout, /#2 <- 6 B 00 01 02 03 fe ff[^\n]*\n[^\n]*#2 -> FIN/, 'in order');

  const all = await runLooptap(['view', file, '--show-data', '--frames']);
  t.match(
    all.stdout,
    /#1 -> 14 B [^\n]*\n[^\n]*#1 -> redis command PING/,
    '--show-data: as written',
  );
});
