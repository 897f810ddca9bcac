// `looptap view CAPTURE` hides the frames of a protocol that builds exchanges from its first
// exchange on, as the live view does: the capture's header names those protocols. A v0.1
// capture has no such list, so its frames show until an exchange comes (there never is one).
import t from 'tap';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runLooptap, spawnLooptap } from '../helpers/net.js';
import { haveRedis, redisCli, startRedisServer } from '../helpers/redis-server.js';

const PASSWORD = 'view-frames-pw';

t.test('a capture read back shows the first exchange without its frames', async (t) => {
  if (!haveRedis(t)) return;
  const redis = await startRedisServer(t, PASSWORD);
  const dir = mkdtempSync(join(tmpdir(), 'looptap-view-frames-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const capture = join(dir, 'c.jsonl');
  const lt = await spawnLooptap(t, ['--target', String(redis.port), '--capture', capture]);
  t.equal((await redisCli(lt.port, PASSWORD, ['SET', 'k', 'v'])).trim(), 'OK');
  t.equal((await redisCli(lt.port, PASSWORD, ['GET', 'k'])).trim(), 'v');
  t.equal((await lt.stop('SIGINT')).code, 0);

  const header = JSON.parse(readFileSync(capture, 'utf8').split('\n')[0]!) as {
    exchanges?: string[];
  };
  t.same(header.exchanges?.slice().sort(), ['http', 'mysql', 'postgres', 'redis']);

  const view = await runLooptap(['view', capture]);
  t.equal(view.code, 0, view.stderr);
  t.match(view.stdout, /#1 redis SET k v -> OK/);
  t.match(view.stdout, /#2 redis GET k -> "v"/);
  t.notMatch(view.stdout, /command SET|reply OK/, 'no frame lines beside the first exchange');
  t.match(view.stdout, /#1 -> redis command AUTH \[redacted\]|#1 redis AUTH \[redacted\]/);

  const frames = await runLooptap(['view', '--frames', capture]);
  t.match(frames.stdout, /#1 -> redis command SET k v/, '--frames still shows them');

  // the same capture without the list, as looptap 0.1 wrote it: frames until an exchange
  const lines = readFileSync(capture, 'utf8').split('\n');
  const old = JSON.parse(lines[0]!) as Record<string, unknown>;
  delete old.exchanges;
  const oldPath = join(dir, 'old.jsonl');
  writeFileSync(oldPath, [JSON.stringify(old), ...lines.slice(1)].join('\n'));
  const oldView = await runLooptap(['view', oldPath]);
  t.equal(oldView.code, 0, oldView.stderr);
  t.match(oldView.stdout, /command (AUTH|SET)/, 'a capture without the list shows frames first');
});
