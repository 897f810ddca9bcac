// Bad input to the API gets Toxiproxy's status codes and a JSON error that says what is wrong,
// and nothing is half-created: unknown toxic type, bad attributes, a bad filter, name clashes,
// an unknown proxy, a listen port in use, a populate with one bad entry.

import net from 'node:net';
import { once } from 'node:events';
import t from 'tap';
import { startFaultApi } from './setup.js';

async function call(
  base: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: unknown }> {
  const res = await fetch(base + path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined };
}

t.test('status codes and JSON errors', async (t) => {
  const { api } = await startFaultApi(t);
  const base = api.url;
  const target = net.createServer((s) => s.destroy());
  target.listen(0, '127.0.0.1');
  await once(target, 'listening');
  t.teardown(() => target.close());
  const upstream = `127.0.0.1:${(target.address() as net.AddressInfo).port}`;

  const created = await call(base, 'POST', '/proxies', {
    name: 'a',
    listen: '127.0.0.1:0',
    upstream,
  });
  t.equal(created.status, 201);
  const a = created.json as { listen: string; enabled: boolean; toxics: unknown[] };
  t.match(a, { name: 'a', upstream, enabled: true, toxics: [] });
  t.match(a.listen, /^127\.0\.0\.1:\d+$/);

  t.match(await call(base, 'POST', '/proxies', { name: 'a', listen: '127.0.0.1:0', upstream }), {
    status: 409,
    json: { error: 'proxy already exists', status: 409 },
  });
  t.match(await call(base, 'POST', '/proxies', { name: 'b' }), {
    status: 400,
    json: { error: /missing required field: upstream/ },
  });
  t.match(await call(base, 'POST', '/proxies', '{not json'), {
    status: 400,
    json: { error: /bad request body/ },
  });
  t.match(await call(base, 'GET', '/proxies/nope'), {
    status: 404,
    json: { error: 'proxy not found' },
  });
  t.match(await call(base, 'POST', '/proxies/nope/toxics', { type: 'latency' }), { status: 404 });

  // a listen port in use: 500 with the reason, and no proxy left behind
  const busy = a.listen;
  t.match(await call(base, 'POST', '/proxies', { name: 'clash', listen: busy, upstream }), {
    status: 500,
    json: { error: /already in use: pick another listen port, or use port 0/, status: 500 },
  });
  t.match(await call(base, 'GET', '/proxies/clash'), { status: 404 }, 'nothing half-created');
  t.match(await call(base, 'POST', '/proxies', { name: 'far', listen: '10.1.2.3:0', upstream }), {
    status: 400,
    json: { error: /loopback|allow-remote/ },
  });

  const toxics = '/proxies/a/toxics';
  t.match(await call(base, 'POST', toxics, { type: 'lightning' }), {
    status: 400,
    json: { error: /invalid toxic type "lightning": use one of latency, /, status: 400 },
  });
  t.match(await call(base, 'POST', toxics, { type: 'latency', attributes: { latency: 'slow' } }), {
    status: 400,
    json: { error: /latency attribute "latency" must be a whole number/ },
  });
  t.match(await call(base, 'POST', toxics, { type: 'latency', attributes: { lag: 5 } }), {
    status: 400,
    json: { error: /has no attribute "lag": it takes latency, jitter/ },
  });
  t.match(await call(base, 'POST', toxics, { type: 'latency', stream: 'sideways' }), {
    status: 400,
    json: { error: 'stream was invalid, can be either upstream or downstream' },
  });
  t.match(await call(base, 'POST', toxics, { type: 'latency', toxicity: 2 }), { status: 400 });
  t.match(
    await call(base, 'POST', toxics, { type: 'reply_error', attributes: { match: 'sql~(' } }),
    {
      status: 400,
      json: { error: /match "sql~\(": bad filter at column/ },
    },
  );
  // a term of the answer would be false before it, and the toxic would never fire (it was
  // accepted with a 200)
  t.match(
    await call(base, 'POST', toxics, {
      type: 'drop_connection',
      attributes: { match: 'sql~^select and error' },
    }),
    {
      status: 400,
      json: { error: /error \(column 17\) is known only from the answer.*match on the request/ },
    },
  );
  t.match(
    await call(base, 'POST', toxics, { type: 'reply_error', attributes: { sqlstate: '4x' } }),
    {
      status: 400,
      json: { error: /sqlstate" is five digits or capital letters/ },
    },
  );
  t.same((await call(base, 'GET', toxics)).json, [], 'no bad toxic was added');

  const ok = await call(base, 'POST', toxics, { type: 'latency', attributes: { latency: 10 } });
  t.equal(ok.status, 200);
  t.same(ok.json, {
    name: 'latency_downstream',
    type: 'latency',
    stream: 'downstream',
    toxicity: 1,
    attributes: { latency: 10, jitter: 0 },
  });
  t.match(await call(base, 'POST', toxics, { type: 'latency' }), {
    status: 409,
    json: { error: 'toxic already exists' },
  });
  const upd = await call(base, 'POST', `${toxics}/latency_downstream`, {
    attributes: { jitter: 4 },
    toxicity: 0.5,
  });
  t.match(upd, { status: 200, json: { toxicity: 0.5, attributes: { latency: 10, jitter: 4 } } });
  t.match(await call(base, 'GET', `${toxics}/none`), {
    status: 404,
    json: { error: 'toxic not found' },
  });
  t.equal((await call(base, 'DELETE', `${toxics}/latency_downstream`)).status, 204);
  t.equal((await call(base, 'DELETE', `${toxics}/latency_downstream`)).status, 404);

  // populate: one bad entry and nothing of the call stays
  const bad = await call(base, 'POST', '/populate', [
    { name: 'p1', listen: '127.0.0.1:0', upstream },
    { name: 'p2', listen: busy, upstream },
  ]);
  t.equal(bad.status, 500);
  t.match(bad.json, { error: /already in use/ });
  t.same(
    Object.keys((await call(base, 'GET', '/proxies')).json as object),
    ['a'],
    'p1 was removed again',
  );
  const good = await call(base, 'POST', '/populate', [
    { name: 'p1', listen: '127.0.0.1:0', upstream },
  ]);
  t.match(good, { status: 201, json: { proxies: [{ name: 'p1', enabled: true }] } });

  t.match(await call(base, 'GET', '/version'), { status: 200, json: { version: /^2\./ } });
  t.equal((await call(base, 'POST', '/reset')).status, 204);
  t.equal((await call(base, 'DELETE', '/proxies/p1')).status, 204);
  const browser = await fetch(base + '/proxies', { headers: { 'user-agent': 'Mozilla/5.0' } });
  t.equal(browser.status, 403, 'browsers are refused, as Toxiproxy does');
});
