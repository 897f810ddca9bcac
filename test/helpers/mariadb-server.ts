// A throwaway MariaDB (apt mariadb-server) for the live mysql tests: mariadb-install-db into a temp
// dir, mariadbd on a free 127.0.0.1 port (bind :0 in Node, close, reuse; retried when taken), an
// `app` user with a password and an `app` database. Stopped by its pid at teardown (SIGTERM, wait
// for exit, SIGKILL after 10 s) and the dir removed. Recipe: research/embedded-servers.md, sec. 4.
// A missing binary skips loudly, or fails when LOOPTAP_REQUIRE_SERVERS=1.

import type { Test } from 'tap';
import net from 'node:net';
import { once } from 'node:events';
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './free-port.js';
import { skipTest, type SkipTarget } from './skip.js';

const run = promisify(execFile);

export const MARIADBD = '/usr/sbin/mariadbd';
export const MARIADB = '/usr/bin/mariadb';
const INSTALL_DB = '/usr/bin/mariadb-install-db';

export interface MariaDb {
  port: number;
  /** unix socket, for setup as root */
  socket: string;
  user: 'app';
  password: string;
  database: 'app';
  pid: number;
}

type TestLike = Pick<Test, 'teardown'> & SkipTarget;

/** true when the binaries are there; otherwise skips (or fails under LOOPTAP_REQUIRE_SERVERS=1) */
export function haveMariaDb(t: TestLike): boolean {
  const missing = [MARIADBD, MARIADB, INSTALL_DB].filter((b) => !existsSync(b));
  if (missing.length === 0) return true;
  const msg = `${missing.join(', ')} missing: apt-get install mariadb-server mariadb-client to run the live mysql tests`;
  skipTest(t, msg);
  return false;
}

/** resolves when a MariaDB greeting arrives on the port, rejects when the child exits first */
async function ready(port: number, child: ChildProcess, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`mariadbd exited (${child.exitCode ?? child.signalCode})`);
    }
    const greeting = await new Promise<Buffer | undefined>((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port });
      const done = (b?: Buffer): void => {
        s.destroy();
        resolve(b);
      };
      s.once('data', (b: Buffer) => done(b));
      s.once('error', () => done());
      s.setTimeout(1000, () => done());
    });
    if (greeting && greeting[4] === 0x0a && /MariaDB/.test(greeting.toString('latin1'))) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`mariadbd did not answer on 127.0.0.1:${port}`);
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

export async function startMariaDb(t: TestLike, password: string): Promise<MariaDb> {
  const dir = mkdtempSync(join(tmpdir(), 'looptap-mariadb-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const data = join(dir, 'data');
  await run(INSTALL_DB, [
    '--no-defaults',
    '--user=root',
    `--datadir=${data}`,
    '--auth-root-authentication-method=normal',
    '--skip-test-db',
  ]);
  const socket = join(dir, 'sock');
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const child = spawn(
      MARIADBD,
      [
        '--no-defaults',
        '--user=root',
        `--datadir=${data}`,
        `--socket=${socket}`,
        `--port=${port}`,
        '--bind-address=127.0.0.1',
        `--pid-file=${join(dir, 'pid')}`,
        `--log-error=${join(dir, 'err.log')}`,
        '--skip-log-bin',
        '--innodb-buffer-pool-size=16M',
        '--max-allowed-packet=64M',
      ],
      { stdio: 'ignore' },
    );
    t.teardown(() => stop(child));
    try {
      await ready(port, child, 30_000);
    } catch (e) {
      await stop(child);
      if (attempt < 3) continue; // most likely the port was taken in between
      throw e;
    }
    const sql = `CREATE USER 'app'@'127.0.0.1' IDENTIFIED BY '${password}';
      CREATE DATABASE app; GRANT ALL ON app.* TO 'app'@'127.0.0.1';
      CREATE TABLE app.t (id INT PRIMARY KEY AUTO_INCREMENT, name VARCHAR(50));`;
    await run(MARIADB, ['--no-defaults', '-S', socket, '-uroot', '-e', sql]);
    return { port, socket, user: 'app', password, database: 'app', pid: child.pid! };
  }
}
