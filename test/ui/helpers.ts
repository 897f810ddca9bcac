// Exchanges for the UI tests, shaped as the decoders will emit them (src/events.ts), fed into a
// real Hub; and a small HTTP client that sends exactly the headers a test names.

import { spawn } from 'node:child_process';
import { LEVEL, type ExchangeEvent, type CaptureEvent } from '../../src/events.js';

let nextId = 1;

export function exchange(over: Partial<ExchangeEvent> = {}): ExchangeEvent {
  const id = over.id ?? nextId++;
  if (id >= nextId) nextId = id + 1;
  const start = over.start ?? 1_700_000_000_000 + id;
  return {
    type: 'exchange',
    time: Math.floor(start),
    level: LEVEL.info,
    msg: 'select 1 -> SELECT 1',
    conn: 1,
    protocol: 'postgres',
    id,
    start,
    latencyMs: 0.5,
    request: { text: `select ${id}`, kind: 'query', sql: `select ${id}` },
    response: { text: 'SELECT 1', tag: 'SELECT 1', rows: 1, columns: ['n'], values: [[id]] },
    fingerprint: 'select $1',
    fingerprintId: 'fp0001',
    ...over,
  };
}

export function open(conn: number, target = '127.0.0.1:5432'): CaptureEvent {
  return {
    type: 'open',
    time: Date.now(),
    level: LEVEL.info,
    msg: `open ${conn}`,
    conn,
    client: '127.0.0.1:50000',
    listen: '127.0.0.1:40000',
    target,
  };
}

export function close(conn: number): CaptureEvent {
  return {
    type: 'close',
    time: Date.now(),
    level: LEVEL.info,
    msg: `close ${conn}`,
    conn,
    reason: 'client_fin',
    bytes: { client: 10, server: 20 },
    ms: 5,
  };
}

export interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** One GET by curl, another process as a browser would be (the UI refuses connections from its
 * own process: that is what a route into the UI looks like). A live stream is read up to its
 * first event, then curl is stopped. */
export function get(
  port: number,
  path: string,
  headers: Record<string, string> = {},
  method = 'GET',
) {
  const args = ['-s', '-i', '-N', '--max-time', '20', '-X', method];
  args.push(`http://127.0.0.1:${port}${path}`);
  for (const [k, v] of Object.entries(headers)) args.push('-H', `${k}: ${v}`);
  return new Promise<Reply>((resolve, reject) => {
    const child = spawn('/usr/bin/curl', args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    let done = false;
    const finish = (): void => {
      if (done) return;
      const split = out.indexOf('\r\n\r\n');
      if (split === -1) return;
      const head = out.slice(0, split).split('\r\n');
      const body = out.slice(split + 4);
      const hs: Record<string, string> = {};
      for (const line of head.slice(1)) {
        const i = line.indexOf(':');
        const k = line.slice(0, i).toLowerCase();
        const v = line.slice(i + 1).trim();
        hs[k] = hs[k] === undefined ? v : `${hs[k]}, ${v}`;
      }
      const stream = hs['content-type']?.startsWith('text/event-stream');
      if (stream && !body.includes('\n\n')) return;
      done = true;
      if (stream) child.kill('SIGTERM');
      resolve({ status: Number(head[0]!.split(' ')[1]), headers: hs, body });
    };
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      out += c;
      if (/text\/event-stream/i.test(out)) finish();
    });
    child.on('error', reject);
    child.on('close', () => {
      finish();
      if (!done) reject(new Error(`curl got no answer from ${path}: ${out.slice(0, 200)}`));
    });
  });
}
