// `looptap 5432 --json | head -1`: once the reader of stdout goes away, the relay must go on
// forwarding. A closed pipe must neither kill looptap nor leave it paused waiting for a 'drain'
// that never comes (found by hand: the relay stopped reading after head exited).
import t from 'tap';
import {
  spawnLooptap,
  startEcho,
  connect,
  payload,
  sha256,
  hashUntilEnd,
  assertBuilt,
} from '../helpers/net.js';

assertBuilt();

for (const mode of ['--json', '--show-data']) {
  t.test(`relay keeps forwarding after stdout is closed (${mode})`, async (t) => {
    const echo = await startEcho(t);
    const lt = await spawnLooptap(t, ['--target', String(echo.port), mode]);
    // the reader goes away, like `head -1` after the first line
    lt.child.stdout!.destroy();
    const data = payload(7, 4 * 1024 * 1024);
    for (let round = 0; round < 2; round++) {
      const sock = await connect(lt.port);
      const got = hashUntilEnd(sock);
      sock.end(data);
      const { sha, bytes } = await got;
      t.equal(bytes, data.length, `round ${round}: every byte came back`);
      t.equal(sha, sha256(data), `round ${round}: byte-exact`);
    }
    t.equal(lt.child.exitCode, null, 'looptap is still running');
    const { code } = await lt.stop('SIGTERM');
    t.equal(code, 0, 'and exits 0 on SIGTERM');
  });
}
