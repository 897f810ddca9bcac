// Issue 10 for HTTP: one `exchange` event per request and its answer, in both modes, with the
// same shape (conn, protocol, id, start, latencyMs, request method/url/headers/body, response
// status/headers/body, fingerprint), redacted like the messages. A 5xx from the target is an
// answer (status, level 40, no `error`); a 502 looptap made because the target is down carries
// `error`. Real undici and curl against a real Node origin.

import t from 'tap';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { request } from 'undici';
import { MemorySink, startRelay } from '../../src/index.js';
import type { ExchangeEvent } from '../../src/events.js';
import { deadPort } from '../helpers/net.js';
import { startOrigin, startProxy } from './helpers.js';

const run = promisify(execFile);

async function traffic(base: string): Promise<void> {
  const r = await request(`${base}/users/1?token=SECRETq`, { headers: { 'x-api-key': 'SECRETk' } });
  await r.body.text();
  await run('/usr/bin/curl', [
    '-s',
    '-H',
    'content-type: application/json',
    '--data-binary',
    '{"name":"cup","password":"SECRETp"}',
    `${base}/items`,
  ]);
  const f = await request(`${base}/fail`);
  await f.body.text();
}

function exchanges(mem: MemorySink): ExchangeEvent[] {
  return mem.events.filter((e): e is ExchangeEvent => e.type === 'exchange');
}

for (const mode of ['http', 'tcp'] as const) {
  t.test(`${mode} mode: one exchange per request, with its answer`, async (t) => {
    const origin = await startOrigin(t, (req, res) => {
      req.resume();
      req.on('end', () => {
        if (req.url === '/fail') {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end('boom');
        } else {
          res.writeHead(req.method === 'POST' ? 201 : 200, { 'content-type': 'application/json' });
          res.end('{"id":1,"name":"cup"}');
        }
      });
    });
    let mem: MemorySink;
    let base: string;
    if (mode === 'http') {
      ({ mem, base } = await startProxy(t, { target: String(origin.port) }));
    } else {
      mem = new MemorySink();
      const relay = await startRelay({ target: String(origin.port), decode: 'http', sinks: [mem] });
      t.teardown(() => relay.close(0));
      base = `http://${relay.address}`;
    }
    await traffic(base);
    await mem.waitFor((e) => e.type === 'exchange' && e.request.url === '/fail');
    const xs = exchanges(mem);
    t.equal(xs.length, 3, 'three requests, three exchanges');
    const [get, post, fail] = xs;
    t.match(get, {
      protocol: 'http',
      conn: Number,
      request: {
        text: 'GET /users/1?token=[redacted]',
        kind: 'http',
        method: 'GET',
        url: '/users/1?token=[redacted]',
        headers: { 'x-api-key': '[redacted]' },
      },
      response: { text: '200 OK', status: 200, body: '{"id":1,"name":"cup"}', bodyBytes: 21 },
      fingerprint: String,
      fingerprintId: String,
    });
    t.ok(get!.latencyMs! >= 0, 'latency');
    t.type(get!.start, 'number');
    t.match(post, {
      request: { method: 'POST', url: '/items', body: /^\{"name":"cup","password":"\*+"\}$/ },
      response: { status: 201 },
    });
    t.match(fail, {
      level: 40,
      response: { status: 500, text: '500 Internal Server Error', body: 'boom' },
    });
    t.notOk(fail!.response!.error, "a target's 500 is an answer, not a transport error");
    t.ok(xs[0]!.id < xs[1]!.id && xs[1]!.id < xs[2]!.id, 'ids increase');
    t.notOk(JSON.stringify(xs).includes('SECRET'), 'nothing secret in exchanges');
  });
}

t.test('http mode: a 502 looptap answers for a dead target carries error', async (t) => {
  const { mem, base } = await startProxy(t, { target: String(await deadPort()) });
  const r = await request(`${base}/x`);
  await r.body.text();
  const x = (await mem.waitFor((e) => e.type === 'exchange')) as ExchangeEvent;
  t.match(x, {
    request: { method: 'GET', url: '/x' },
    response: { status: 502, error: { code: '502', message: /ECONNREFUSED/ } },
    level: 40,
  });
});
