// Runs a long-lived command until SIGINT/SIGTERM: the first signal stops accepting, gives open
// connections a grace period, flushes every event and resolves with the exit code; a second
// signal writes what is queued synchronously and exits at once (130).
//
// Shutdown is bounded whatever the sinks and the terminal do (docs/long-runs.md, "Stopping"):
// - closing (grace, then flushing the capture) may take --grace + CLOSE_LIMIT_MS; past that the
//   capture's queue is written synchronously and looptap exits 1;
// - after closing, stdout and stderr get FLUSH_LIMIT_MS to take what is still queued for them. A
//   reader that stopped reading (`looptap --json | (head -1; sleep 45)`) would otherwise hold
//   the process forever: Node keeps running while a pipe write is pending. The timers are
//   unref'd, so a process that has nothing left pending exits at once, as before.

import type { Log } from '../log/log.js';

/** how long closing may take beyond --grace (the capture's last flush) */
export const CLOSE_LIMIT_MS = 5000;
/** how long stdout and stderr may hold the process once everything is closed */
export const FLUSH_LIMIT_MS = 2000;

export interface Stoppable {
  close(graceMs?: number): Promise<void>;
}

/** anything that can write what it has queued synchronously: a capture file, a rotating one */
export interface SyncFlushable {
  closeSync(): void;
}

export function runUntilSignal(
  target: Stoppable,
  capture: SyncFlushable | undefined,
  graceMs: number,
  log: Log,
): Promise<void> {
  return new Promise((resolve) => {
    let stopping = false;
    const onSignal = (): void => {
      if (stopping) {
        capture?.closeSync();
        process.exit(130);
      }
      stopping = true;
      const hard = setTimeout(() => {
        capture?.closeSync();
        log.errorNow(
          `shutdown did not finish within --grace ${graceMs} ms + ${CLOSE_LIMIT_MS} ms (an output did not flush); wrote what the capture had queued and stopped`,
        );
        process.exit(1);
      }, graceMs + CLOSE_LIMIT_MS);
      hard.unref();
      void target.close(graceMs).then(() => {
        clearTimeout(hard);
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        exitOnceFlushed(log);
        resolve();
      });
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

/** gives stdout and stderr FLUSH_LIMIT_MS, then exits with the code the command set */
function exitOnceFlushed(log: Log): void {
  const timer = setTimeout(() => {
    const left = process.stdout.writableLength + process.stderr.writableLength;
    // written now or not at all: stderr may be the very pipe that is blocked
    log.errorNow(
      `the output did not take its last ${left} bytes within ${FLUSH_LIMIT_MS} ms (nobody reads it); exiting without them`,
    );
    process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
  }, FLUSH_LIMIT_MS);
  timer.unref();
}
