// HTTP mode end to end with real clients (undici, curl, node:http) and a real Node origin:
// bodies intact both ways (sha256), the messages users see, keep-alive, chunked + trailers,
// SSE without buffering, compressed bodies previewed, and the Host / X-Forwarded options.

import t from 'tap';
import http from 'node:http';
import zlib from 'node:zlib';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { payload, sha256 } from '../helpers/net.js';
import type { Teardown } from '../helpers/net.js';
import { body64, messages, startOrigin, startProxy, waitMessage } from './helpers.js';

const run = promisify(execFile);

/** origin that answers POST /echo with the sha256 of what it got, and GET with JSON */
async function jsonOrigin(t: Teardown) {
  return startOrigin(t, (req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const got = Buffer.concat(parts);
      if (req.url?.startsWith('/bin')) {
        res.setHeader('content-type', 'application/octet-stream');
        res.end(payload(7, 50_000));
        return;
      }
      res.setHeader('content-type', 'application/json');
      res.setHeader('x-got-sha', sha256(got));
      res.end(
        JSON.stringify({
          id: 1,
          url: req.url,
          host: req.headers.host,
          len: got.length,
          headers: req.headers,
        }),
      );
    });
  });
}

t.test('GET and POST JSON: bodies intact both ways, messages complete and paired', async (t) => {
  const origin = await jsonOrigin(t);
  const { mem, base } = await startProxy(t, { target: String(origin.port) });
  const get = await request(`${base}/api/users?page=2`);
  const getBody = Buffer.from(await get.body.arrayBuffer());
  t.equal(get.statusCode, 200);
  t.equal(JSON.parse(getBody.toString()).url, '/api/users?page=2');

  const sent = Buffer.concat(
    [
      Buffer.from('{"name":"ada","blob":"'),
      payload(3, 3000).toString('base64url') as unknown as Buffer,
      Buffer.from('"}'),
    ].map((b) => Buffer.from(b)),
  );
  const post = await request(`${base}/api/users`, {
    method: 'POST',
    body: sent,
    headers: { 'content-type': 'application/json' },
  });
  const postBody = Buffer.from(await post.body.arrayBuffer());
  t.equal(post.headers['x-got-sha'], sha256(sent), 'origin got the exact request body');

  const res = await waitMessage(mem, 'response', (m) => m.fields.id === 2);
  const req = messages(mem, 'request').find((m) => m.fields.id === 2)!;
  t.ok(req, 'request message with the same id');
  t.equal(req.fields.method, 'POST');
  t.equal(req.fields.url, '/api/users');
  t.equal(req.fields.version, 'HTTP/1.1');
  t.equal((req.fields.headers as Record<string, string>)['content-type'], 'application/json');
  t.equal(sha256(body64(req)), sha256(sent), 'request body in the message');
  t.equal(req.fields.bodyLength, sent.length);
  t.equal(res.fields.status, 200);
  t.equal(res.fields.reason, 'OK');
  t.equal(
    sha256(body64(res)),
    sha256(postBody),
    'response body in the message is what the client got',
  );
  t.type(res.latencyMs, 'number');
  t.equal(res.conn, req.conn);

  const getReq = messages(mem, 'request').find((m) => m.fields.id === 1)!;
  t.equal(getReq.fields.summary, 'GET /api/users?page=2');
  const getRes = messages(mem, 'response').find((m) => m.fields.id === 1)!;
  t.match(
    String(getRes.fields.summary),
    /^200 OK application\/json \d+ B: \{"id":1,"url":"\/api\/users\?page=2"/,
  );
  t.equal(sha256(body64(getRes)), sha256(getBody));

  const bin = await request(`${base}/bin`);
  const binBody = Buffer.from(await bin.body.arrayBuffer());
  t.equal(sha256(binBody), sha256(payload(7, 50_000)), 'binary download intact');
  const binRes = await waitMessage(mem, 'response', (m) => m.fields.id === 3);
  t.equal(
    binRes.fields.summary,
    '200 OK application/octet-stream 50.0 kB',
    'binary shows size and type only',
  );
});

t.test('curl POST of a binary file and a body above the cap', async (t) => {
  const origin = await jsonOrigin(t);
  const { mem, base } = await startProxy(t, { target: `127.0.0.1:${origin.port}`, maxValue: 1000 });
  const dir = mkdtempSync(join(tmpdir(), 'looptap-http-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'up.bin');
  const data = payload(11, 200_000);
  writeFileSync(file, data);
  const { stdout } = await run('/usr/bin/curl', [
    '-sS',
    '-D',
    '-',
    '--data-binary',
    `@${file}`,
    '-H',
    'content-type: application/octet-stream',
    `${base}/upload`,
  ]);
  t.match(stdout, new RegExp(`x-got-sha: ${sha256(data)}`, 'i'), 'origin got the exact upload');
  const req = await waitMessage(mem, 'request');
  t.equal(req.fields.bodyLength, 200_000);
  t.equal(req.fields.truncated, true, 'capped body is marked');
  t.equal(body64(req).length, 1000);
  t.same(body64(req), data.subarray(0, 1000), 'the kept part is the start of the body');
});

t.test(
  'keep-alive: one client connection, one upstream connection for many requests',
  async (t) => {
    const origin = await jsonOrigin(t);
    const { mem, base } = await startProxy(t, { target: String(origin.port) });
    const dispatcher = new Agent({ connections: 1 });
    t.teardown(() => dispatcher.close());
    for (let i = 0; i < 20; i++) {
      const r = await request(`${base}/k/${i}`, { dispatcher });
      await r.body.text();
    }
    await waitMessage(mem, 'response', (m) => m.fields.id === 20);
    t.equal(mem.ofType('open').length, 1, 'one client connection');
    t.equal(origin.connections, 1, 'the upstream connection was reused');
    t.same(new Set(messages(mem).map((m) => m.conn)).size, 1, 'all messages on that connection');
  },
);

t.test('chunked bodies with trailers, both ways', async (t) => {
  const origin = await startOrigin(t, (req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      res.writeHead(200, {
        'content-type': 'text/plain',
        trailer: 'x-res-sum',
        'transfer-encoding': 'chunked',
      });
      res.write('part one;');
      res.write(`got ${Buffer.concat(parts).length} bytes, trailer ${req.trailers['x-req-sum']}`);
      res.addTrailers({ 'x-res-sum': 'abc123' });
      res.end();
    });
  });
  const { mem, proxy } = await startProxy(t, { target: String(origin.port) });
  const got = await new Promise<{ body: string; trailers: NodeJS.Dict<string>; te?: string }>(
    (resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: proxy.port,
          method: 'POST',
          path: '/c',
          headers: { 'transfer-encoding': 'chunked', trailer: 'x-req-sum' },
        },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (body += c));
          res.on('end', () =>
            resolve({ body, trailers: res.trailers, te: res.headers['transfer-encoding'] }),
          );
        },
      );
      req.on('error', reject);
      for (let i = 0; i < 5; i++) req.write(Buffer.alloc(1000 + i, 0x61));
      req.addTrailers({ 'x-req-sum': 'def456' });
      req.end();
    },
  );
  t.equal(
    got.body,
    'part one;got 5010 bytes, trailer def456',
    'request trailer reached the origin',
  );
  t.equal(got.trailers['x-res-sum'], 'abc123', 'response trailer reached the client');
  t.equal(got.te, 'chunked');
  const req = await waitMessage(mem, 'request');
  t.same(req.fields.trailers, { 'x-req-sum': 'def456' });
  const res = await waitMessage(mem, 'response');
  t.same(res.fields.trailers, { 'x-res-sum': 'abc123' });
  t.equal(res.fields.bodyLength, got.body.length);
});

t.test(
  'Server-Sent Events arrive one by one (no buffering) and are logged as they pass',
  async (t) => {
    let next!: () => void;
    const origin = await startOrigin(t, (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.write('event: tick\ndata: one\n\n');
      // the second event is sent only once the client has seen the first: a buffering proxy
      // would hold the first back and this test would time out
      next = () => {
        res.write('data: two\nid: 2\n\n');
        res.end();
      };
    });
    const { mem, base } = await startProxy(t, { target: String(origin.port) });
    const r = await request(`${base}/events`);
    const seen: string[] = [];
    for await (const chunk of r.body) {
      seen.push(String(chunk));
      if (seen.length === 1) {
        t.match(seen[0], /data: one/, 'first event arrived alone');
        next();
      }
    }
    t.match(seen.join(''), /data: two/);
    const head = await waitMessage(mem, 'response', (m) => m.fields.streaming === true);
    t.equal(head.fields.status, 200);
    const events = messages(mem, 'sse');
    t.same(
      events.map((e) => [e.fields.event, e.fields.data]),
      [
        ['tick', 'one'],
        ['message', 'two'],
      ],
    );
    t.equal(events[1]!.fields.id, '2');
    // the stream's end: a second response with the whole body (docs/http-mode.md)
    const end = await waitMessage(mem, 'response', (m) => m.fields.streaming !== true);
    t.equal(end.fields.bodyLength, 'event: tick\ndata: one\n\ndata: two\nid: 2\n\n'.length);
    t.equal(Buffer.from(String(end.fields.body), 'base64').toString(), seen.join(''));
    t.notOk(end.fields.incomplete, 'the stream ended complete');
  },
);

t.test(
  'compressed bodies: bytes forwarded as sent, decompressed only for the summary',
  async (t) => {
    const json = JSON.stringify({ id: 1, items: Array.from({ length: 50 }, (_, i) => ({ i })) });
    const encodings: Record<string, (b: Buffer) => Buffer> = {
      gzip: zlib.gzipSync,
      br: zlib.brotliCompressSync,
      deflate: zlib.deflateSync,
    };
    const origin = await startOrigin(t, (req, res) => {
      const enc = req.url!.slice(1);
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': enc });
      res.end(encodings[enc]!(Buffer.from(json)));
    });
    const { mem, proxy } = await startProxy(t, { target: String(origin.port) });
    let id = 0;
    for (const enc of Object.keys(encodings)) {
      const raw = await new Promise<Buffer>((resolve) => {
        http.get({ host: '127.0.0.1', port: proxy.port, path: `/${enc}` }, (res) => {
          const parts: Buffer[] = [];
          res.on('data', (c: Buffer) => parts.push(c));
          res.on('end', () => resolve(Buffer.concat(parts)));
        });
      });
      t.same(raw, encodings[enc]!(Buffer.from(json)), `${enc} bytes unchanged`);
      const res = await waitMessage(mem, 'response', (m) => m.fields.id === id + 1);
      id++;
      t.match(
        String(res.fields.summary),
        new RegExp(`^200 OK application/json \\d+ B \\(${enc}\\): \\{"id":1,"items":\\[`),
        `${enc} previewed`,
      );
      t.same(body64(res), raw, 'the message keeps the bytes as they travelled');
    }
  },
);

t.test('Host kept by default, --host-rewrite and --x-forwarded, base path', async (t) => {
  const origin = await jsonOrigin(t);
  const plain = await startProxy(t, { target: `http://127.0.0.1:${origin.port}/base` });
  const a = JSON.parse(await (await request(`${plain.base}/x?q=1`)).body.text());
  t.equal(a.url, '/base/x?q=1', 'base path prepended');
  t.equal(a.host, plain.proxy.address, "the client's Host is kept by default");
  t.notOk(a.headers['x-forwarded-for'], 'no X-Forwarded-* by default');
  const rw = await startProxy(t, {
    target: String(origin.port),
    hostRewrite: true,
    xForwarded: true,
  });
  const b = JSON.parse(await (await request(`${rw.base}/y`)).body.text());
  t.equal(b.host, `127.0.0.1:${origin.port}`, 'Host rewritten to the target');
  t.equal(b.headers['x-forwarded-for'], '127.0.0.1');
  t.equal(b.headers['x-forwarded-host'], rw.proxy.address);
});
