// Which file the relay worker runs, and with which of the process's flags.

import { existsSync } from 'node:fs';

// The worker runs dist/api/relay-worker.js, beside this module in the package, with the
// process's flags (a loader such as Yarn PnP's must reach it). From the .ts source (tests,
// benchmarks) it runs the built one when there is a build, without the TypeScript loader, which
// would compile every module again in each worker (16 s instead of 0.3 s to start on a busy
// 2-core machine); with no build, the .ts source under that loader.
export function workerScript(): { url: URL; execArgv: string[] } {
  if (!import.meta.url.endsWith('.ts')) {
    return { url: new URL('./relay-worker.js', import.meta.url), execArgv: workerExecArgv() };
  }
  const built = new URL('../../dist/api/relay-worker.js', import.meta.url);
  if (existsSync(built)) return { url: built, execArgv: [] };
  return { url: new URL('./relay-worker.ts', import.meta.url), execArgv: workerExecArgv() };
}

/** The process's flags minus --input-type, which makes a Worker refuse its file
 * (`node --input-type=module -e ...` is how a script may import us). */
function workerExecArgv(): string[] {
  const out: string[] = [];
  const argv = process.execArgv;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--input-type') i++;
    else if (!argv[i]!.startsWith('--input-type=')) out.push(argv[i]!);
  }
  return out;
}
