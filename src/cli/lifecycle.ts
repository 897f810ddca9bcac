// Runs a long-lived command until SIGINT/SIGTERM: the first signal stops accepting, gives open
// connections a grace period, flushes every event and resolves with the exit code; a second
// signal writes what is queued synchronously and exits at once (130).

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
): Promise<void> {
  return new Promise((resolve) => {
    let stopping = false;
    const onSignal = (): void => {
      if (stopping) {
        capture?.closeSync();
        process.exit(130);
      }
      stopping = true;
      void target.close(graceMs).then(() => {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        resolve();
      });
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
