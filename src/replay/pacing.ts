// Pacing: as fast as possible (the default), or at the recorded times (--pace recorded), where
// each connection starts and each request goes out at its offset from the capture's start.

export function sleepUntil(when: number): Promise<void> {
  const ms = when - Date.now();
  return ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve();
}
