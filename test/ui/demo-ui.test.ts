// `looptap demo --ui --once`: the demo with the UI prints its ui: line and ends cleanly. Waits
// for the process, however slow PGlite starts on a busy machine (tap's timeout bounds it).

import t from 'tap';
import { spawn } from 'node:child_process';
import { BIN, assertBuilt } from '../helpers/net.js';

t.test('demo --ui --once prints its ui: line', async (t) => {
  assertBuilt();
  const child = spawn(process.execPath, [BIN, 'demo', '--ui', '--once', '--json'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.teardown(() => child.kill('SIGKILL'));
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const code = await new Promise<number | null>((r) => child.on('close', r));
  t.equal(code, 0, err);
  t.match(err, /^ui: http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+$/m);
  t.match(out, /"type":"exchange"/, 'the demo exchanges passed (the pg decoder is merged)');
});
