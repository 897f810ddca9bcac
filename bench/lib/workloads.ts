// Loopback workloads, bounded in bytes and count: a bulk upload to a sink and 64-byte round trips
// to an echo server. The servers live in the benchmark process; the proxy under test is a child.
import net from 'node:net';

export interface Servers {
  sinkPort: number;
  echoPort: number;
  close(): Promise<void>;
}

export async function startServers(): Promise<Servers> {
  const sink = net.createServer((s) => {
    s.on('data', () => undefined);
    s.on('error', () => undefined);
    s.on('end', () => s.end());
  });
  const echo = net.createServer((s) => {
    s.setNoDelay(true);
    s.on('error', () => undefined);
    s.pipe(s);
  });
  await Promise.all(
    [sink, echo].map((srv) => new Promise<void>((r) => srv.listen(0, '127.0.0.1', r))),
  );
  return {
    sinkPort: (sink.address() as net.AddressInfo).port,
    echoPort: (echo.address() as net.AddressInfo).port,
    close: async () => {
      await Promise.all([sink, echo].map((srv) => new Promise((r) => srv.close(r))));
    },
  };
}

/** sends `total` bytes and resolves with seconds until the sink closed its side (all received) */
export function bulk(port: number, total: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    for (let i = 0; i < chunk.length; i += 97) chunk[i] = i & 0xff;
    const sock = net.connect(port, '127.0.0.1');
    const start = process.hrtime.bigint();
    let sent = 0;
    const pump = (): void => {
      while (sent < total) {
        const n = Math.min(chunk.length, total - sent);
        sent += n;
        if (!sock.write(n === chunk.length ? chunk : chunk.subarray(0, n)))
          return void sock.once('drain', pump);
      }
      sock.end();
    };
    sock.once('connect', pump);
    sock.on('data', () => undefined);
    sock.once('end', () => resolve(Number(process.hrtime.bigint() - start) / 1e9));
    sock.once('error', reject);
  });
}

/** n sequential 64-byte round trips; resolves with each one's microseconds */
export function roundTrips(port: number, n: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const msg = Buffer.alloc(64, 0x62);
    const sock = net.connect(port, '127.0.0.1');
    sock.setNoDelay(true);
    const times: number[] = [];
    let got = 0;
    let t0 = 0n;
    const send = (): void => {
      got = 0;
      t0 = process.hrtime.bigint();
      sock.write(msg);
    };
    sock.once('connect', send);
    sock.on('data', (d: Buffer) => {
      got += d.length;
      if (got < msg.length) return;
      times.push(Number(process.hrtime.bigint() - t0) / 1000);
      if (times.length >= n) {
        sock.end();
        resolve(times);
      } else send();
    });
    sock.once('error', reject);
  });
}

export function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

export const median = (v: number[]): number => percentile(v, 50);
