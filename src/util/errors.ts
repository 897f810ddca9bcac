// One error class for everything a user can cause or fix. `exit` follows CONTRACT.md:
// 2 for usage (bad flags, bad address, unusable capture file), 1 for runtime failures.
// The message is the single line the CLI prints: it names the cause and the fix.

export class LooptapError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly exit: 1 | 2 = 1,
  ) {
    super(message);
    this.name = 'LooptapError';
  }
}

export const usageError = (code: string, message: string): LooptapError =>
  new LooptapError(code, message, 2);

/** errors a peer causes by going away; expected on any proxy, logged quietly */
export function isPeerGone(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ECONNRESET' || code === 'EPIPE' || code === 'ECONNABORTED';
}
