// One replay connection to the target: bytes out, and everything that comes back collected in
// one buffer that the protocol replayers read with cursors. Waiting is event driven: a waiter is
// re-checked on every chunk, on close, and on its quiet or overall timer.

import net from 'node:net';
import { once } from 'node:events';
import { LooptapError } from '../util/errors.js';

export class Wire {
  private buf: Buffer = Buffer.alloc(0);
  /** bytes of `buf` already consumed by the reader */
  pos = 0;
  closed = false;
  error?: Error;
  private wake?: () => void;

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (c: Buffer) => {
      this.buf = this.buf.length === this.pos ? c : Buffer.concat([this.buf.subarray(this.pos), c]);
      this.pos = 0;
      this.wake?.();
    });
    socket.on('error', (err) => {
      this.error = err;
      this.closed = true;
      this.wake?.();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake?.();
    });
    socket.on('end', () => {
      this.closed = true;
      this.wake?.();
    });
  }

  static async connect(host: string, port: number, timeoutMs: number): Promise<Wire> {
    const socket = net.connect({ host, port, allowHalfOpen: true, noDelay: true });
    const timer = setTimeout(() => socket.destroy(new Error('connect timeout')), timeoutMs);
    try {
      await once(socket, 'connect');
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw new LooptapError(
        e.code ?? 'CONNECT_FAILED',
        `replay target ${host}:${port} is unreachable (${e.code ?? e.message}): start the server or fix --target`,
      );
    } finally {
      clearTimeout(timer);
    }
    return new Wire(socket);
  }

  /** the unread bytes */
  get pending(): Buffer {
    return this.buf.subarray(this.pos);
  }

  take(n: number): Buffer {
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += out.length;
    return out;
  }

  write(bytes: Buffer): void {
    if (!this.closed && bytes.length > 0) this.socket.write(bytes);
  }

  /** half-close our side, as the recorded client did */
  end(): void {
    if (!this.closed) this.socket.end();
  }

  close(): void {
    this.socket.destroy();
  }

  /** Waits until `done(pending)` is true, the peer closes, `timeoutMs` passes, or (when
   * `quietMs` is given) no byte arrives for `quietMs` after at least one did. */
  async until(
    done: (pending: Buffer) => boolean,
    timeoutMs: number,
    quietMs?: number,
  ): Promise<'done' | 'closed' | 'quiet' | 'timeout'> {
    const check = (): 'done' | 'closed' | undefined =>
      done(this.pending) ? 'done' : this.closed ? 'closed' : undefined;
    const first = check();
    if (first) return first;
    return new Promise((resolve) => {
      let quiet: NodeJS.Timeout | undefined;
      const overall = setTimeout(() => finish('timeout'), timeoutMs);
      const finish = (r: 'done' | 'closed' | 'quiet' | 'timeout'): void => {
        clearTimeout(overall);
        if (quiet) clearTimeout(quiet);
        this.wake = undefined;
        resolve(r);
      };
      this.wake = () => {
        const r = check();
        if (r) return finish(r);
        if (quietMs !== undefined && this.pending.length > 0) {
          if (quiet) clearTimeout(quiet);
          quiet = setTimeout(() => finish('quiet'), quietMs);
        }
      };
      // bytes that came before we started waiting count too
      if (quietMs !== undefined && this.pending.length > 0) {
        quiet = setTimeout(() => finish('quiet'), quietMs);
      }
    });
  }
}
