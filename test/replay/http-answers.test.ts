// What HTTP replay does with the target's answers, in captures of both modes (`looptap http` and
// TCP mode decoding HTTP): a secret in a replayed answer is masked in the report and in the
// diff lines, as in the capture (they printed it whole); a body the capture cut at --max-value
// is compared on the part it kept and its length (it was compared whole, so every answer over
// 64 KiB was "different"); an event stream compares its body (an HTTP-mode capture had none).
// Real origin, real undici client, `looptap replay` run in-process.

import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startOrigin } from '../http/helpers.js';
import type { Teardown } from '../helpers/net.js';
import { Client } from 'undici';
import { capture, httpCapture, jsonLines, looptap, tempDir } from './helpers.js';

/** answers that carry secrets and a counter, a large body and an event stream */
async function origin(t: Teardown, state: { n: number; big: number }) {
  const o = await startOrigin(t, (req, res) => {
    req.resume();
    req.on('end', () => {
      const n = ++state.n;
      if (req.url === '/login') {
        res.setHeader('content-type', 'application/json');
        res.setHeader('x-api-key', `HDRSECRET_${n}`);
        res.end(
          JSON.stringify({ token: `TOKSECRET_${n}`, user: { password: `PWSECRET_${n}` }, n }),
        );
      } else if (req.url === '/large') {
        res.setHeader('content-type', 'application/octet-stream');
        res.end(Buffer.alloc(state.big, 0x61));
      } else {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('data: {"access_token":"SSESECRET_1","i":1}\n\n');
        res.end('data: done\n\n');
      }
    });
  });
  return `127.0.0.1:${o.port}`;
}

/** the three requests on one keep-alive connection */
async function client(base: string): Promise<void> {
  const c = new Client(base);
  try {
    for (const path of ['/login', '/large', '/events']) {
      const r = await c.request({ path, method: 'GET' });
      await r.body.arrayBuffer();
    }
  } finally {
    await c.close();
  }
}

async function record(mode: 'tcp' | 'http', dir: string, target: string): Promise<string> {
  const path = join(dir, `${mode}.jsonl`);
  if (mode === 'tcp') return capture(path, target, (port) => client(`http://127.0.0.1:${port}`));
  return httpCapture(path, target, client);
}

const SECRET = /(HDR|TOK|PW|SSE)SECRET_/;

for (const mode of ['tcp', 'http'] as const) {
  t.test(
    `${mode} mode: replayed answers are masked, cut and streamed bodies compare`,
    async (t) => {
      const dir = tempDir(t);
      const state = { n: 0, big: 200_000 };
      const target = await origin(t, state);
      const file = await record(mode, dir, target);
      t.notMatch(readFileSync(file, 'utf8'), SECRET, 'the capture itself holds no secret');

      // the same server: the counter moves (a real difference), the secrets change with it
      state.n = 1;
      const report = join(dir, `${mode}-report.json`);
      const r = await looptap(['replay', file, '--target', target, '--report', report]);
      t.equal(r.code, 1, 'the counter differs');
      t.match(r.out, /body \$\.n: 1 -> 2/, 'the difference is shown');
      t.notMatch(r.out + r.err, SECRET, 'no secret in the printed diff');
      const text = readFileSync(report, 'utf8');
      t.notMatch(text, SECRET, 'no secret in the report, recorded or replayed');
      t.match(text, /"token": ?"\*+"/, 'the replayed secret is in the report masked');

      const json = await looptap(['replay', file, '--target', target, '--json']);
      t.notMatch(json.out, SECRET, 'no secret in --json');
      const rows = jsonLines(json.out).filter((x) => x.type !== 'summary');
      const byPath = new Map(rows.map((x) => [x.request.split(' ')[1], x]));
      t.same(byPath.get('/large')?.diffs, [], 'the large body: the same');
      t.same(byPath.get('/events')?.diffs, [], 'the event stream: the same');
      if (mode === 'http') {
        t.match(byPath.get('/large')?.note, /first 65536 of the body's 200000 bytes/);
      }

      state.big = 200_001;
      const longer = await looptap(['replay', file, '--target', target, '--json']);
      const large = jsonLines(longer.out).find((x) => x.request === 'GET /large');
      t.match(large?.diffs.join('\n'), /length 200000 -> 200001/, 'one byte more is a difference');
    },
  );
}
