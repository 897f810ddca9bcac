// Issue 9: captures written by `looptap http` replay and compare like TCP-mode HTTP captures
// (they replayed 0 requests and exited 0): same answers exit 0, a difference exits 1; a request
// whose URL or body the capture redacted is refused before connecting (exit 2, the origin sees
// nothing), a redacted header can be supplied with --header. Real origin, real undici client.

import t from 'tap';
import { join } from 'node:path';
import { startOrigin } from '../http/helpers.js';
import type { Teardown } from '../helpers/net.js';
import { Client, request } from 'undici';
import { httpCapture, jsonLines, looptap, tempDir } from './helpers.js';

const TOKEN = 'Bearer CANARYreplayToken';

async function origin(t: Teardown, counter: { n: number }, seen: string[]) {
  const o = await startOrigin(t, (req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      seen.push(`${req.method} ${req.url} ${req.headers.authorization ?? ''}`);
      res.setHeader('content-type', 'application/json');
      if (req.url === '/count') res.end(JSON.stringify({ n: ++counter.n }));
      else if (req.url === '/echo')
        res.end(JSON.stringify({ got: Buffer.concat(parts).toString() }));
      else res.end(JSON.stringify({ ok: true, auth: req.headers.authorization === TOKEN }));
    });
  });
  return `127.0.0.1:${o.port}`;
}

t.test('an HTTP-mode capture replays: same answers exit 0, a difference exits 1', async (t) => {
  const dir = tempDir(t);
  const counter = { n: 0 };
  const seen: string[] = [];
  const target = await origin(t, counter, seen);
  const file = await httpCapture(join(dir, 'h.jsonl'), target, async (base) => {
    // one keep-alive connection, so the replay order is the request order
    const client = new Client(base);
    t.teardown(() => client.close());
    for (const [path, body] of [
      ['/item', undefined],
      ['/echo', 'hello body'],
      ['/count', undefined],
    ] as const) {
      const r = await client.request({ path, method: body ? 'POST' : 'GET', body });
      await r.body.text();
    }
  });
  seen.length = 0;
  counter.n = 0; // the count answers 1 again: the same as recorded
  const same = await looptap(['replay', file, '--target', target, '--json']);
  t.equal(same.code, 0, same.out);
  const rows = jsonLines(same.out).filter((r) => r.type !== 'summary');
  t.same(
    rows.map((r) => [r.request, r.same]),
    [
      ['GET /item', true],
      ['POST /echo', true],
      ['GET /count', true],
    ],
  );
  t.same(seen, ['GET /item ', 'POST /echo ', 'GET /count '], 'the origin got the requests again');
  const diff = await looptap(['replay', file, '--target', target, '--json']);
  t.equal(diff.code, 1, 'the count moved on: a difference, exit 1');
  const changed = jsonLines(diff.out).find((r) => r.request === 'GET /count');
  t.match(changed, { same: false, diffs: [/body n: 1 -> 2|\bn\b/] });
});

t.test('HTTP-mode requests with redacted values are never sent as captured', async (t) => {
  const dir = tempDir(t);
  const seen: string[] = [];
  const target = await origin(t, { n: 0 }, seen);
  const masked = await httpCapture(join(dir, 'm.jsonl'), target, async (base) => {
    await (await request(`${base}/item?token=CANARYq`)).body.text();
    await (
      await request(`${base}/echo`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"password":"CANARYpw"}',
      })
    ).body.text();
  });
  const auth = await httpCapture(join(dir, 'a.jsonl'), target, async (base) => {
    await (await request(`${base}/item`, { headers: { authorization: TOKEN } })).body.text();
  });
  seen.length = 0;
  const refused = await looptap(['replay', masked, '--target', target]);
  t.equal(refused.code, 2, 'exit 2');
  t.match(
    refused.err,
    /2 requests carry a value the capture redacted, and replay never sends a mask/,
  );
  t.match(refused.err, /GET \/item\?token=\[redacted\] \(redacted: url\)/);
  t.match(refused.err, /POST \/echo \(redacted: body\)/);
  t.same(seen, [], 'nothing reached the origin');
  const noHeader = await looptap(['replay', auth, '--target', target]);
  t.equal(noHeader.code, 2);
  t.match(noHeader.err, /--header 'authorization: VALUE'/);
  t.same(seen, [], 'still nothing sent');
  const given = await looptap([
    'replay',
    auth,
    '--target',
    target,
    '--header',
    `Authorization: ${TOKEN}`,
  ]);
  t.equal(given.code, 0, given.err);
  t.same(seen, [`GET /item ${TOKEN}`], 'sent with the supplied header, never the mask');
});
