// Real captures from `looptap http` and `looptap tcp --decode http` (child processes, so
// `npm run build` must have run): secrets never reach the capture file in any form, and
// `looptap export --format har` turns both into HAR 1.2 that passes the schema check.

import t from 'tap';
import zlib from 'node:zlib';
import { mkdtempSync, readFileSync, rmSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import type net from 'node:net';
import { Agent, request } from 'undici';
import { WebSocket, WebSocketServer } from 'ws';
import { payload, runLooptap, spawnLooptap } from '../helpers/net.js';
import { secretForms } from '../helpers/feed.js';
import type { Teardown } from '../helpers/net.js';
import { startOrigin } from './helpers.js';
import { validate } from './har-schema.js';
import { FORMATS, loadFormat } from '../../src/export/formats.js';

const SECRET = 'Canary-7f3a9c-Secret';

function tmp(t: Teardown): string {
  const dir = mkdtempSync(join(tmpdir(), 'looptap-har-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function appOrigin(t: Teardown) {
  return startOrigin(t, (req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      if (req.url === '/login') {
        res.setHeader('set-cookie', [`token=${SECRET}; HttpOnly`, 'theme=dark']);
        res.setHeader('content-type', 'application/json');
        return res.end('{"ok":true}');
      }
      if (req.url === '/img') {
        res.setHeader('content-type', 'image/png');
        return res.end(payload(9, 3000));
      }
      if (req.url === '/gz') {
        res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'gzip' });
        return res.end(zlib.gzipSync('hello gzip world'));
      }
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ url: req.url, got: Buffer.concat(parts).toString() }));
    });
  });
}

async function traffic(base: string): Promise<void> {
  const dispatcher = new Agent({ connections: 1 });
  const send = async (path: string, opts: Parameters<typeof request>[1] = {}) => {
    const r = await request(`${base}${path}`, { dispatcher, ...opts });
    await r.body.arrayBuffer();
  };
  await send('/api/users?page=2&q=a%20b');
  await send('/login', {
    method: 'POST',
    body: '{"user":"ada"}',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${SECRET}`,
      'proxy-authorization': `Basic ${SECRET}`,
      cookie: `sid=${SECRET}; lang=en`,
    },
  });
  await send('/img');
  await send('/gz');
  await dispatcher.close();
}

t.test('HTTP mode capture: no secret in any form; HAR export valid and complete', async (t) => {
  const dir = tmp(t);
  const origin = await appOrigin(t);
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await once(wss, 'listening');
  t.teardown(() => new Promise<void>((r) => wss.close(() => r())));
  wss.on('connection', (ws) => ws.on('message', (d, bin) => ws.send(d, { binary: bin })));
  const cap = join(dir, 'http.jsonl');
  const lt = await spawnLooptap(t, [
    'http',
    '--target',
    String(origin.port),
    '--capture',
    cap,
    '--quiet',
  ]);
  await traffic(`http://127.0.0.1:${lt.port}`);
  const ws2 = await spawnLooptap(t, [
    'http',
    '--target',
    String((wss.address() as net.AddressInfo).port),
    '--capture',
    join(dir, 'ws.jsonl'),
    '--quiet',
  ]);
  const ws = new WebSocket(`ws://127.0.0.1:${ws2.port}/sock`);
  await once(ws, 'open');
  ws.send('ping text');
  await once(ws, 'message');
  ws.close(1000, 'done');
  await once(ws, 'close');
  t.equal((await lt.stop('SIGINT')).code, 0);
  t.equal((await ws2.stop('SIGINT')).code, 0);

  const text = readFileSync(cap, 'utf8');
  t.equal(statSync(cap).mode & 0o777, 0o600);
  for (const form of secretForms(SECRET)) t.notOk(text.includes(form), `capture has no "${form}"`);
  t.match(text, /\[redacted\]/);

  const har = join(dir, 'out.har');
  const r = await runLooptap(['export', cap, '--format', 'har', '--out', har]);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stderr, /exported 4 HAR entries/);
  t.equal(statSync(har).mode & 0o777, 0o600, 'export is 0600 like the capture');
  const harText = readFileSync(har, 'utf8');
  for (const form of secretForms(SECRET)) t.notOk(harText.includes(form), `HAR has no "${form}"`);
  const doc = JSON.parse(harText);
  t.same(validate(doc), [], 'valid HAR 1.2');
  const [list, login, img, gz] = doc.log.entries;
  t.equal(list.request.url, `http://127.0.0.1:${lt.port}/api/users?page=2&q=a%20b`);
  t.same(list.request.queryString, [
    { name: 'page', value: '2' },
    { name: 'q', value: 'a b' },
  ]);
  t.equal(list.response.status, 200);
  t.equal(JSON.parse(list.response.content.text).url, '/api/users?page=2&q=a%20b');
  t.same(login.request.postData, {
    mimeType: 'application/json',
    params: [],
    text: '{"user":"ada"}',
  });
  t.same(login.request.cookies, [], 'redacted cookies are not listed');
  t.ok(
    login.request.headers.some(
      (h: { name: string; value: string }) =>
        h.name === 'authorization' && h.value === '[redacted]',
    ),
  );
  t.equal(img.response.content.encoding, 'base64', 'binary body as base64');
  t.same(Buffer.from(img.response.content.text, 'base64'), payload(9, 3000));
  t.equal(gz.response.content.text, 'hello gzip world', 'gzip decoded for the HAR');
  t.equal(gz.response.content.size, 16);
  for (const e of doc.log.entries) t.ok(e.time >= 0 && e.timings.wait >= 0);

  const wsHar = join(dir, 'ws.har');
  t.equal(
    (await runLooptap(['export', join(dir, 'ws.jsonl'), '--format', 'har', '--out', wsHar])).code,
    0,
  );
  const wsDoc = JSON.parse(readFileSync(wsHar, 'utf8'));
  t.same(validate(wsDoc), []);
  t.equal(wsDoc.log.entries[0].response.status, 101);
  t.same(
    wsDoc.log.entries[0]._webSocketMessages.map(
      (m: { type: string; opcode: number; data: string }) => [
        m.type,
        m.opcode,
        m.opcode === 1 ? m.data : '',
      ],
    ),
    [
      ['send', 1, 'ping text'],
      ['receive', 1, 'ping text'],
      ['send', 8, ''],
      ['receive', 8, ''],
    ],
  );
});

t.test('the canary can fail: with --no-redact the secret is in the capture', async (t) => {
  const dir = tmp(t);
  const origin = await appOrigin(t);
  const cap = join(dir, 'open.jsonl');
  const lt = await spawnLooptap(t, [
    'http',
    '--target',
    String(origin.port),
    '--capture',
    cap,
    '--quiet',
    '--no-redact',
  ]);
  await traffic(`http://127.0.0.1:${lt.port}`);
  await lt.stop('SIGINT');
  t.ok(readFileSync(cap, 'utf8').includes(SECRET));
});

t.test('decoded TCP capture exports too (paired by connection and order)', async (t) => {
  const dir = tmp(t);
  const origin = await appOrigin(t);
  const cap = join(dir, 'tcp.jsonl');
  const lt = await spawnLooptap(t, [
    'tcp',
    '--target',
    String(origin.port),
    '--decode',
    'http',
    '--capture',
    cap,
    '--quiet',
  ]);
  await traffic(`http://127.0.0.1:${lt.port}`);
  await lt.stop('SIGINT');
  const har = join(dir, 'tcp.har');
  const r = await runLooptap(['export', cap, '--format', 'har', '--out', har]);
  t.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(readFileSync(har, 'utf8'));
  t.same(validate(doc), []);
  t.same(
    doc.log.entries.map(
      (e: { request: { method: string; url: string }; response: { status: number } }) => [
        e.request.method,
        new URL(e.request.url).pathname,
        e.response.status,
      ],
    ),
    [
      ['GET', '/api/users', 200],
      ['POST', '/login', 200],
      ['GET', '/img', 200],
      ['GET', '/gz', 200],
    ],
  );
});

t.test('export: unknown or unavailable formats fail with one line, exit 2, no file', async (t) => {
  const dir = tmp(t);
  const out = join(dir, 'x.out');
  const cap = join(dir, 'none.jsonl');
  const r = await runLooptap(['export', cap, '--format', 'xml', '--out', out]);
  t.equal(r.code, 2);
  // yargs' "Invalid values" text comes from main.ts (not one line yet: reported to the lead)
  t.match(r.stderr, /^looptap: Invalid values:[\s\S]*"xml"/);
  t.notOk(existsSync(out));
  const missing = await runLooptap(['export', cap, '--format', 'har', '--out', out]);
  t.equal(missing.code, 2, 'unreadable capture is a usage error');
  t.match(missing.stderr, /no such file/);
  if (!FORMATS.pcap) {
    await t.rejects(loadFormat('pcap'), {
      exit: 2,
      message: /export format "pcap" is not available in this looptap build; use --format har/,
    });
    const p = await runLooptap(['export', cap, '--format', 'pcap', '--out', out]);
    t.equal(p.code, 2);
    t.match(p.stderr, /^looptap: export format "pcap" is not available/);
  }
});
