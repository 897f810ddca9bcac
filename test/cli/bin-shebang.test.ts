// bin/looptap.js run as a program, the way npx and a PATH install run it: its first line starts
// node with the flag that keeps the bulk relay free of full GCs (docs/benchmarks.md, "The full
// GCs, found and gone"). Every other CLI test runs `node bin/looptap.js`, which skips that line.
import t from 'tap';
import { spawn } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { once } from 'node:events';
import { BIN, assertBuilt, startEcho, connect } from '../helpers/net.js';

assertBuilt();

const noProc = !existsSync('/proc/self/cmdline') && 'needs /proc to read the command line';

t.test(
  'the shebang starts node with --initial-old-space-size, and the relay works',
  { skip: noProc },
  async (t) => {
    const echo = await startEcho(t);
    const child = spawn(BIN, ['--quiet', '--decode', 'raw', '--target', echo.address], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    t.teardown(() => {
      if (child.exitCode === null) child.kill('SIGKILL');
    });
    const lines = createInterface({ input: child.stdout });
    const [first] = (await once(lines, 'line')) as [string];
    const port = Number(/127\.0\.0\.1:(\d+)/.exec(first)?.[1]);
    t.ok(port > 0, `announced a port: ${first}`);
    // env -S execs node in place: the pid is node's, and its arguments are what the shebang said
    const argv = readFileSync(`/proc/${child.pid}/cmdline`, 'utf8').split('\0');
    t.match(argv[0], /node/, 'the process is node, not env');
    t.ok(argv.includes('--initial-old-space-size=64'), `node flags: ${argv.join(' ')}`);
    const s = await connect(port);
    s.end('ping');
    let back = '';
    s.setEncoding('utf8').on('data', (c: string) => (back += c));
    await once(s, 'end');
    t.equal(back, 'ping', 'bytes went through and back');
    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number];
    t.equal(code, 0, 'SIGTERM stops it cleanly');
  },
);
