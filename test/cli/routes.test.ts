// Several routes in one process (issue 6): real servers behind one looptap, one capture, every
// event attributed to its route; a route that cannot start is reported and the others run.
import t from 'tap';
import net from 'node:net';
import { mkdtempSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { Redis } from 'ioredis';
import pg from 'pg';
import { connect, runLooptap, spawnLooptap, startEcho } from '../helpers/net.js';
import { need, routePorts, startFourRoutes, startOrigin } from '../helpers/real-servers.js';
import { readCapture } from '../../src/capture/reader.js';
import type { CaptureEvent } from '../../src/events.js';

const dir = mkdtempSync(join(tmpdir(), 'looptap-routes-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

async function readAll(path: string): Promise<CaptureEvent[]> {
  const out: CaptureEvent[] = [];
  for await (const e of readCapture(path)) out.push(e);
  return out;
}

t.test('four real servers, four routes, one capture, every event attributed', async (t) => {
  if (!need(t, '/usr/bin/redis-server', 'redis-server')) return;
  const capture = join(dir, 'many.jsonl');
  const { lt, ports } = await startFourRoutes(t, capture);
  t.same([...ports.keys()].sort(), ['echo', 'pg', 'redis', 'web']);

  const r = new Redis({ host: '127.0.0.1', port: ports.get('redis')!, lazyConnect: true });
  await r.connect();
  await r.set('looptap-route-key', 'v1');
  t.equal(await r.get('looptap-route-key'), 'v1');
  r.disconnect();

  const res = await fetch(`http://127.0.0.1:${ports.get('web')}/hello-route?x=1`);
  t.equal(await res.text(), 'GET /hello-route?x=1\n');

  const s = await connect(ports.get('echo')!);
  s.end('ping-route-echo');
  let echoed = '';
  s.on('data', (c: Buffer) => (echoed += c.toString()));
  await once(s, 'end');
  t.equal(echoed, 'ping-route-echo');

  const c = new pg.Client({
    host: '127.0.0.1',
    port: ports.get('pg')!,
    user: 'postgres',
    database: 'postgres',
  });
  await c.connect();
  t.same((await c.query('select 41 + 1 as answer')).rows, [{ answer: 42 }]);
  await c.end();

  // wait for every connection to close before stopping, so each has its close event
  await new Promise((r) => setTimeout(r, 300));
  const { code } = await lt.stop('SIGINT');
  t.equal(code, 0, 'clean exit');
  t.equal(statSync(capture).mode & 0o777, 0o600);
  const events = await readAll(capture);
  const body = events.filter((e) => e.type !== 'header');
  t.ok(body.length > 10, `${body.length} events`);
  t.same(
    body.filter((e) => e.route === undefined).map((e) => e.type),
    [],
    'every event names its route',
  );
  const targetOf = new Map<string, string>();
  for (const e of body) if (e.type === 'listening') targetOf.set(e.route!, e.target);
  const bytesOf = (route: string, from: string): string =>
    Buffer.concat(
      body
        .filter((e) => e.type === 'data' && e.route === route && e.from === from)
        .map((e) => (e as { bytes: Buffer }).bytes),
    ).toString('latin1');
  t.match(bytesOf('redis', 'client'), /looptap-route-key/);
  t.match(bytesOf('web', 'client'), /GET \/hello-route\?x=1 HTTP\/1\.1/);
  t.equal(bytesOf('echo', 'server'), 'ping-route-echo');
  t.match(bytesOf('pg', 'client'), /select 41 \+ 1 as answer/);
  t.notMatch(
    bytesOf('echo', 'client'),
    /looptap-route-key|select|GET/,
    'no bytes of another route',
  );
  for (const e of body) {
    if (e.type === 'open') t.equal(e.target, targetOf.get(e.route!), `${e.route}#${e.conn} target`);
  }
  const opens = body.filter((e) => e.type === 'open').length;
  const closes = body.filter((e) => e.type === 'close').length;
  t.equal(closes, opens, 'every open has its close');
  t.match(lt.stderr.join('\n'), /route pg: 1 connection/, 'summary per route');
  t.match(lt.stderr.join('\n'), /route echo: 1 connection, client sent 15 B, server sent 15 B/);
});

t.test('a route on a busy port is reported; the others still run', async (t) => {
  const busy = net.createServer().listen(0, '127.0.0.1');
  await once(busy, 'listening');
  t.teardown(() => busy.close());
  const busyPort = (busy.address() as net.AddressInfo).port;
  const echo = await startEcho(t);
  const lt = await spawnLooptap(t, [
    '--quiet',
    '--route',
    `busy@${busyPort}=${echo.port}`,
    '--route',
    `ok@0=${echo.port}`,
  ]);
  const ports = await routePorts(lt, 1);
  t.ok(ports.has('ok'));
  const s = await connect(ports.get('ok')!);
  s.end('still here');
  let got = '';
  s.on('data', (c: Buffer) => (got += c.toString()));
  await once(s, 'end');
  t.equal(got, 'still here');
  const { code } = await lt.stop();
  t.equal(code, 0);
  const lines = lt.stderr.filter((l) => l.includes('busy'));
  t.equal(lines.length, 1, 'one line for the busy route');
  t.match(
    lines[0],
    new RegExp(
      `route busy did not start: listen address 127\\.0\\.0\\.1:${busyPort} is already in use`,
    ),
  );
});

t.test('no route starts: exit 1', async (t) => {
  const busy = net.createServer().listen(0, '127.0.0.1');
  await once(busy, 'listening');
  t.teardown(() => busy.close());
  const p = (busy.address() as net.AddressInfo).port;
  const r = await runLooptap(['--route', `a@${p}=5432`, '--route', `b@127.0.0.1:${p}=6379`]);
  t.equal(r.code, 1, r.stderr);
  t.match(r.stderr, /route a did not start/);
  t.match(r.stderr, /route b did not start/);
  t.match(r.stderr, /no route could start/);
});

t.test('--config: routes from JSON, and one-line usage errors (exit 2)', async (t) => {
  const echo = await startEcho(t);
  const good = join(dir, 'good.json');
  writeFileSync(
    good,
    JSON.stringify({
      routes: [
        { listen: '127.0.0.1:0', target: String(echo.port), mode: 'tcp', decode: 'raw', name: 'e' },
      ],
    }),
  );
  const lt = await spawnLooptap(t, ['--config', good, '--json']);
  const first = JSON.parse(lt.stdout[0]!) as { type: string; route: string; decode: string };
  t.match(first, { type: 'listening', route: 'e', decode: 'raw' });
  await lt.stop();

  const cases: Array<[string, string, RegExp]> = [
    ['bad.json', '{"routes": [', /is not valid JSON/],
    ['empty.json', '{"routes": []}', /needs \{"routes"/],
    ['key.json', '{"routes": [{"target": "1", "port": 2}]}', /route 1 has an unknown key "port"/],
    [
      'notarget.json',
      '{"routes": [{"listen": "1"}]}',
      /"target" must be a non-empty string \(it is required\)/,
    ],
    [
      'mode.json',
      '{"routes": [{"target": "1", "mode": "udp"}]}',
      /mode "udp" is not "tcp" or "http"/,
    ],
    [
      'addr.json',
      '{"routes": [{"target": "1", "listen": "::1:5"}]}',
      /route 1: listen address "::1:5" is not HOST:PORT/,
    ],
    [
      'dup.json',
      '{"routes": [{"target": "1", "name": "x"}, {"target": "2", "name": "x"}]}',
      /two routes are named "x"/,
    ],
  ];
  for (const [name, text, re] of cases) {
    const p = join(dir, name);
    writeFileSync(p, text);
    const r = await runLooptap(['--config', p]);
    t.equal(r.code, 2, `${name}: exit 2`);
    t.match(r.stderr, re, name);
    t.equal(r.stderr.trim().split('\n').length, 1, `${name}: one line`);
  }
  const missing = await runLooptap(['--config', join(dir, 'nope.json')]);
  t.equal(missing.code, 2);
  t.match(missing.stderr, /cannot read --config .*nope\.json: no such file/);
  const both = await runLooptap(['--route', '1=2', '--target', '5432']);
  t.equal(both.code, 2);
  t.match(both.stderr, /either --target\/--listen .* or --route\/--config/);
  const bad = await runLooptap(['--route', '62893:5432']);
  t.equal(bad.code, 2);
  t.match(bad.stderr, /--route "62893:5432" is not LISTEN=TARGET/);
});

t.test('--config mode "http" runs HTTP mode beside a TCP route', async (t) => {
  const origin = await startOrigin(t);
  const echo = await startEcho(t);
  const cfg = join(dir, 'mixed.json');
  writeFileSync(
    cfg,
    JSON.stringify({
      routes: [
        { listen: '0', target: String(origin.port), mode: 'http', name: 'api' },
        { listen: '0', target: String(echo.port), name: 'echo' },
      ],
    }),
  );
  const capture = join(dir, 'mixed.jsonl');
  const lt = await spawnLooptap(t, ['--quiet', '--config', cfg, '--capture', capture]);
  const ports = await routePorts(lt, 2);
  const res = await fetch(`http://127.0.0.1:${ports.get('api')}/via-http-mode`);
  t.equal(await res.text(), 'GET /via-http-mode\n');
  await new Promise((r) => setTimeout(r, 200));
  t.equal((await lt.stop()).code, 0);
  const events = await readAll(capture);
  const req = events.find((e) => e.type === 'message' && e.name === 'request');
  t.match(req, { route: 'api', protocol: 'http' }, 'the HTTP-mode request carries its route');
  t.match(
    events.find((e) => e.type === 'listening' && e.route === 'api'),
    { mode: 'http' },
  );
});
