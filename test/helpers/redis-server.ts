// A real redis-server (apt's /usr/bin/redis-server) for the Redis live tests: a free loopback
// port, a temp dir, no persistence, a password, started and stopped by pid in t.teardown. A
// missing binary skips the test loudly, or fails it under LOOPTAP_REQUIRE_SERVERS=1.
// Recipe: /work/shared/research/embedded-servers.md section 3.

import net from 'node:net';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Test } from 'tap';
import { skipTest, type SkipTarget } from './skip.js';
import { freePort } from './free-port.js';

export const REDIS_SERVER = '/usr/bin/redis-server';
export const REDIS_CLI = '/usr/bin/redis-cli';
export const REDIS_BENCHMARK = '/usr/bin/redis-benchmark';

type Tap = Pick<Test, 'teardown'> & SkipTarget;

/** true when the redis programs exist; otherwise skips `t` (fails under LOOPTAP_REQUIRE_SERVERS=1) */
export function haveRedis(t: Tap): boolean {
  const missing = [REDIS_SERVER, REDIS_CLI, REDIS_BENCHMARK].filter((b) => !existsSync(b));
  if (missing.length === 0) return true;
  skipTest(
    t,
    `${missing.join(', ')} missing: apt-get install redis-server redis-tools to run this test`,
  );
  return false;
}

/** resolves once the server answers anything to PING (NOAUTH counts) */
async function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    const done = (ok: boolean): void => {
      s.destroy();
      resolve(ok);
    };
    s.on('error', () => done(false));
    s.on('connect', () => s.write('PING\r\n'));
    s.on('data', (d: Buffer) => done(d[0] === 0x2b || d[0] === 0x2d));
    s.setTimeout(1000, () => done(false));
  });
}

export interface RedisServer {
  port: number;
  pid: number;
  dir: string;
}

/** starts redis-server with `--requirepass password`; retries on a port taken meanwhile */
export async function startRedisServer(t: Tap, password: string): Promise<RedisServer> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'looptap-redis-'));
    const child: ChildProcess = spawn(
      REDIS_SERVER,
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        dir,
        '--logfile',
        join(dir, 'redis.log'),
        '--requirepass',
        password,
      ],
      { stdio: 'ignore' },
    );
    t.teardown(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    });
    const deadline = Date.now() + 10_000;
    while (child.exitCode === null && Date.now() < deadline) {
      if (await answersPing(port)) return { port, pid: child.pid!, dir };
      await new Promise((r) => setTimeout(r, 20));
    }
    const log = existsSync(join(dir, 'redis.log'))
      ? readFileSync(join(dir, 'redis.log'), 'utf8')
      : '';
    if (child.exitCode === null) child.kill('SIGKILL');
    if (!/Address already in use/i.test(log))
      throw new Error(`redis-server did not start: ${log.slice(-500)}`);
  }
  throw new Error('redis-server: no free port after 5 attempts');
}

/**
 * runs redis-cli against 127.0.0.1:port with REDISCLI_AUTH; `input`, when given, is its stdin
 * (redis-cli reads commands from it only without arguments). A child that exits before reading
 * its stdin makes the write fail with EPIPE; that error is dropped on purpose, since the exit
 * status and the output are what a test checks.
 */
export function redisCli(
  port: number,
  password: string,
  args: string[],
  input?: string,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      REDIS_CLI,
      ['-h', '127.0.0.1', '-p', String(port), ...args],
      { env: { ...process.env, REDISCLI_AUTH: password }, timeout: 10_000 },
      (err, out) => (err ? reject(new Error(err.message)) : resolve(out)),
    );
    child.stdin?.on('error', () => {});
    if (input === undefined) child.stdin?.end();
    else child.stdin?.end(input);
  });
}
