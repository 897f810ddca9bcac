// The HTTP decoder through the real relay in TCP mode, with a real Node http server and real
// clients: undici with keep-alive, curl with a chunked POST, and a ws WebSocket upgrade. Checks
// the decoded request/response pairs (with latency), the upgrade then opaque, and that canary
// credentials never reach the capture file.

import t from 'tap';
import http from 'node:http';
import { once } from 'node:events';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { Agent, request } from 'undici';
import WebSocket, { WebSocketServer } from 'ws';
import { MemorySink, openCaptureFile, startRelay } from '../../../src/index.js';
import type { MessageEvent } from '../../../src/index.js';
import { secretForms } from '../../helpers/feed.js';

const BEARER = 'tok_LIVECANARY_8d1e7c44b0';
const COOKIE = 'sid=LIVECANARYcookie_51a0';
const SET_COOKIE = 'LIVECANARYset_99f3';

t.test('undici keep-alive, curl chunked POST, ws upgrade through the relay', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'looptap-http-live-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));

  const server = http.createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      if (req.url === '/json') {
        const body = JSON.stringify({
          hello: 'world',
          auth: req.headers.authorization ? 'yes' : 'no',
        });
        res.writeHead(200, {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'set-cookie': `s=${SET_COOKIE}; HttpOnly`,
        });
        res.end(body);
      } else if (req.url === '/echo') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('echo: ');
        setImmediate(() => res.end(Buffer.concat(parts)));
      } else {
        res.writeHead(500, { 'content-length': 4 });
        res.end('oops');
      }
    });
  });
  const wss = new WebSocketServer({ server, path: '/ws' });
  wss.on('connection', (sock) =>
    sock.on('message', (m: Buffer) => sock.send(`echo ${m.toString()}`)),
  );
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(() => {
    wss.close();
    server.closeAllConnections();
    server.close();
  });
  const port = (server.address() as AddressInfo).port;

  const mem = new MemorySink();
  const capPath = join(dir, 'cap.jsonl');
  const cap = await openCaptureFile(capPath);
  const relay = await startRelay({
    target: `127.0.0.1:${port}`,
    decode: 'auto',
    sinks: [mem, cap],
  });
  let closed = false;
  t.teardown(async () => {
    if (!closed) await relay.close(100);
  });
  const base = `http://${relay.address}`;

  // 1. undici, two requests on one keep-alive connection
  const agent = new Agent({ keepAliveTimeout: 10_000, connections: 1 });
  t.teardown(() => agent.destroy().catch(() => undefined));
  const r1 = await request(`${base}/json`, {
    dispatcher: agent,
    headers: { authorization: `Bearer ${BEARER}` },
  });
  t.equal(r1.statusCode, 200);
  t.match(await r1.body.text(), /"auth":"yes"/);
  const r2 = await request(`${base}/echo`, {
    dispatcher: agent,
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: COOKIE },
    body: '{"n":1}',
  });
  t.equal(await r2.body.text(), 'echo: {"n":1}');
  const r3 = await request(`${base}/fail`, { dispatcher: agent });
  t.equal(r3.statusCode, 500);
  await r3.body.text();

  // 2. curl, chunked POST
  if (existsSync('/usr/bin/curl')) {
    const out = await new Promise<string>((resolve, reject) =>
      execFile(
        '/usr/bin/curl',
        [
          '-sS',
          '--max-time',
          '10',
          '-H',
          'Transfer-Encoding: chunked',
          '--data-binary',
          'curl body',
          `${base}/echo`,
        ],
        (err, stdout) => (err ? reject(new Error(`curl: ${err.message}`)) : resolve(stdout)),
      ),
    );
    t.equal(out, 'echo: curl body');
  } else {
    t.comment('curl not installed (apt-get install curl): chunked POST by curl skipped');
  }

  // 3. ws upgrade
  const ws = new WebSocket(`ws://${relay.address}/ws`);
  await once(ws, 'open');
  ws.send('ping-frame');
  const [reply] = (await once(ws, 'message')) as [Buffer];
  t.equal(reply.toString(), 'echo ping-frame');
  ws.close();
  await once(ws, 'close');

  await mem.waitFor((e) => e.type === 'message' && e.name === 'upgrade');
  await agent.close();
  await relay.close(500);
  closed = true;

  const msgs = mem.messages('http');
  const byConn = new Map<number, MessageEvent[]>();
  for (const m of msgs) byConn.set(m.conn, [...(byConn.get(m.conn) ?? []), m]);
  const line = (m: MessageEvent): string => `${m.from} ${m.name} ${String(m.fields.summary)}`;

  const undiciConn = [...byConn.values()].find((l) => l.some((m) => m.fields.url === '/json'))!;
  t.same(
    undiciConn.map(line),
    [
      'client request GET /json',
      'server response 200 OK (30 B application/json)',
      'client request POST /echo',
      'server response 200 OK (13 B text/plain)',
      'client request GET /fail',
      'server response 500 Internal Server Error (4 B)',
    ],
    'three pairs on one keep-alive connection',
  );
  t.match(undiciConn[0]!.fields, { method: 'GET', headers: { authorization: '[redacted]' } });
  t.match(undiciConn[1]!.fields, { status: 200, headers: { 'set-cookie': '[redacted]' } });
  t.match(undiciConn[2]!.fields, {
    body: Buffer.from('{"n":1}').toString('base64'),
    headers: { cookie: '[redacted]' },
  });
  t.match(undiciConn[3]!.fields, {
    body: Buffer.from('echo: {"n":1}').toString('base64'),
    headers: { 'transfer-encoding': 'chunked' },
  });
  t.equal(undiciConn[5]!.level, 40);
  for (const m of undiciConn.filter((m) => m.from === 'server')) {
    t.ok(
      typeof m.latencyMs === 'number' && m.latencyMs >= 0 && m.latencyMs < 5000,
      `latencyMs ${m.latencyMs}`,
    );
  }

  if (existsSync('/usr/bin/curl')) {
    const curlConn = [...byConn.values()].find((l) =>
      l.some(
        (m) =>
          m.fields.headers &&
          (m.fields.headers as Record<string, unknown>)['user-agent']
            ?.toString()
            .startsWith('curl'),
      ),
    )!;
    const req = curlConn.find((m) => m.name === 'request')!;
    t.match(req.fields, {
      method: 'POST',
      url: '/echo',
      headers: { 'transfer-encoding': 'chunked' },
      body: Buffer.from('curl body').toString('base64'),
    });
    t.match(
      curlConn.find((m) => m.name === 'response' && m.fields.status === 200),
      { latencyMs: Number },
    );
  }

  const wsConn = [...byConn.values()].find((l) => l.some((m) => m.name === 'upgrade'))!;
  t.same(
    wsConn.map((m) => m.name),
    ['request', 'upgrade'],
    'upgrade is the last message: opaque after',
  );
  t.match(wsConn[1], { latencyMs: Number, fields: { status: 101, upgrade: 'websocket' } });
  const wsData = mem.events.filter((e) => e.type === 'data' && e.conn === wsConn[0]!.conn);
  t.ok(wsData.length >= 3, 'websocket frames still captured as data');
  t.notOk(
    mem.events.some((e) => e.type === 'error' && e.conn === wsConn[0]!.conn),
    'no decoder fallback',
  );

  const text = readFileSync(capPath, 'utf8');
  t.match(text, /"name":"request"/);
  for (const secret of [BEARER, COOKIE, SET_COOKIE]) {
    const hits = secretForms(secret).filter((f) => text.includes(f));
    t.same(hits, [], `${secret} absent from the capture file`);
  }
});
