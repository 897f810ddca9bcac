// 100 MB up and 100 MB down through `looptap http` running as a child process with a capture:
// both bodies arrive intact (sha256), and the proxy's peak memory (VmHWM) stays bounded because
// bodies are streamed and only --max-value bytes of each are kept for the capture.
// Needs `npm run build` (the child runs dist/).

import t from 'tap';
import http from 'node:http';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MiB, PayloadStream, spawnLooptap, vmHwm } from '../helpers/net.js';
import { startOrigin } from './helpers.js';
import { readCapture } from '../../src/capture/reader.js';

const SIZE = 100 * MiB;
/** growth of the peak over the idle process: 200 MB of traffic may cost buffers, not bodies */
const GROWTH_LIMIT = 80 * MiB;

t.test('100 MB upload and download, memory bounded', async (t) => {
  const up = new PayloadStream(21, SIZE);
  const down = new PayloadStream(22, SIZE);
  const origin = await startOrigin(t, (req, res) => {
    if (req.method === 'POST') {
      const h = createHash('sha256');
      let n = 0;
      req.on('data', (c: Buffer) => {
        h.update(c);
        n += c.length;
      });
      req.on('end', () => res.end(JSON.stringify({ sha: h.digest('hex'), n })));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': SIZE });
    let i = 0;
    const pump = (): void => {
      while (i < down.chunks) {
        if (!res.write(down.chunk(i++))) return void res.once('drain', pump);
      }
      res.end();
    };
    pump();
  });
  const dir = mkdtempSync(join(tmpdir(), 'looptap-large-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const capture = join(dir, 'cap.jsonl');
  const lt = await spawnLooptap(t, [
    'http',
    '--target',
    String(origin.port),
    '--capture',
    capture,
    '--quiet',
  ]);

  const idle = vmHwm(lt.pid);
  const upload = await new Promise<{ sha: string; n: number }>((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: lt.port,
        method: 'POST',
        path: '/up',
        headers: { 'content-type': 'application/octet-stream' },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve(JSON.parse(body)));
      },
    );
    req.on('error', reject);
    let i = 0;
    const pump = (): void => {
      while (i < up.chunks) {
        if (!req.write(up.chunk(i++))) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
  t.equal(upload.n, SIZE);
  t.equal(upload.sha, up.sha, 'upload intact (chunked)');

  const download = await new Promise<{ sha: string; n: number }>((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port: lt.port, path: '/down' }, (res) => {
        const h = createHash('sha256');
        let n = 0;
        res.on('data', (c: Buffer) => {
          h.update(c);
          n += c.length;
        });
        res.on('end', () => resolve({ sha: h.digest('hex'), n }));
        res.on('error', reject);
      })
      .on('error', reject);
  });
  t.equal(download.n, SIZE);
  t.equal(download.sha, down.sha, 'download intact');

  const hwm = vmHwm(lt.pid);
  t.comment(
    `looptap http VmHWM idle ${(idle / MiB).toFixed(1)} MiB, after 2 x 100 MB ${(hwm / MiB).toFixed(1)} MiB`,
  );
  t.ok(
    hwm - idle < GROWTH_LIMIT,
    `peak grew ${((hwm - idle) / MiB).toFixed(1)} MiB < ${GROWTH_LIMIT / MiB} MiB`,
  );
  const { code } = await lt.stop('SIGINT');
  t.equal(code, 0);

  const lengths: Array<[string, unknown, unknown]> = [];
  for await (const e of readCapture(capture)) {
    if (e.type === 'message') lengths.push([e.name, e.fields.bodyLength, e.fields.truncated]);
  }
  const requests = lengths.filter(([n]) => n === 'request');
  t.same(
    requests,
    [
      ['request', SIZE, true],
      ['request', 0, undefined],
    ],
    'real lengths kept, bodies capped',
  );
  t.same(
    lengths.find(([n, l]) => n === 'response' && l === SIZE),
    ['response', SIZE, true],
  );
});
