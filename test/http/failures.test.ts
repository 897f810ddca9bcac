// What the client gets when the target fails, and that nothing leaks: a dead target answers 502
// at once, a silent one 504 after --timeout, each with a body naming target and cause and an
// error event; a client that resets cancels its upstream request (res 'close', #1559), one that
// only sends FIN keeps it until --timeout (a half-close is not an abort); a target
// that breaks off mid-body makes the client see a cut, not a clean end.

import t from 'tap';
import net from 'node:net';
import http from 'node:http';
import { request } from 'undici';
import { deadPort, startBlackhole } from '../helpers/net.js';
import { messages, startOrigin, startProxy, waitMessage } from './helpers.js';
import type { ErrorEvent } from '../../src/events.js';

async function until(cond: () => boolean, ms = 5000): Promise<boolean> {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  return cond();
}

t.test('dead target: 502 at once, body names target and cause, error event', async (t) => {
  const port = await deadPort();
  const { mem, base } = await startProxy(t, { target: String(port) });
  const started = Date.now();
  const r = await request(`${base}/x`);
  const body = await r.body.text();
  const ms = Date.now() - started;
  t.equal(r.statusCode, 502);
  t.ok(ms < 2000, `answered in ${ms} ms`);
  t.match(body, `127.0.0.1:${port}`);
  t.match(body, /ECONNREFUSED/);
  const err = (await mem.waitFor((e) => e.type === 'error')) as ErrorEvent;
  t.equal(err.code, 'ECONNREFUSED');
  t.equal(err.conn, 1);
  const res = await waitMessage(mem, 'response');
  t.equal(res.fields.status, 502);
  t.equal(res.fields.generated, true, 'looptap-made answers are marked');
  t.equal(messages(mem, 'request').length, 1, 'the request is logged too');
  // the proxy keeps serving
  const again = await request(`${base}/y`);
  await again.body.text();
  t.equal(again.statusCode, 502);
});

t.test('silent target: 504 after --timeout, upstream socket released', async (t) => {
  const hole = await startBlackhole(t);
  const { mem, base } = await startProxy(t, { target: String(hole.port), timeoutMs: 300 });
  const started = Date.now();
  const r = await request(`${base}/slow`);
  const body = await r.body.text();
  const ms = Date.now() - started;
  t.equal(r.statusCode, 504);
  t.ok(ms >= 290 && ms < 5000, `answered after ${ms} ms`);
  t.match(body, /no response within 300 ms/);
  t.match(body, `127.0.0.1:${hole.port}`);
  const err = (await mem.waitFor((e) => e.type === 'error')) as ErrorEvent;
  t.equal(err.code, 'TARGET_TIMEOUT');
});

t.test('silent HTTP target: the timed-out upstream request is closed', async (t) => {
  let got = 0;
  const origin = await startOrigin(t, () => got++);
  const { base } = await startProxy(t, { target: String(origin.port), timeoutMs: 200 });
  const r = await request(`${base}/slow`);
  await r.body.text();
  t.equal(r.statusCode, 504);
  t.equal(got, 1);
  t.ok(await until(() => origin.sockets.size === 0), 'the upstream connection was closed');
});

t.test('a client that resets cancels its upstream request; no socket leaks', async (t) => {
  let received = 0;
  const origin = await startOrigin(t, () => {
    received++; // never answers
  });
  const { mem, proxy } = await startProxy(t, { target: String(origin.port) });
  for (let i = 0; i < 10; i++) {
    const s = net.connect({ host: '127.0.0.1', port: proxy.port });
    s.on('error', () => undefined);
    s.write(`GET /hang/${i} HTTP/1.1\r\nhost: x\r\n\r\n`);
    await until(() => received === i + 1);
    s.resetAndDestroy();
  }
  t.equal(received, 10);
  t.ok(
    await until(() => origin.sockets.size === 0),
    `upstream sockets closed (left: ${origin.sockets.size})`,
  );
  const aborted = mem.ofType('error').filter((e) => e.code === 'CLIENT_ABORTED');
  t.equal(aborted.length, 10, 'each abort is reported');
  t.equal(
    mem.ofType('error').filter((e) => e.code !== 'CLIENT_ABORTED').length,
    0,
    'no other errors',
  );
});

t.test(
  'a completed POST whose client resets before the answer cancels upstream too (#1559)',
  async (t) => {
    let got = 0;
    const origin = await startOrigin(t, (req) => {
      req.resume();
      req.on('end', () => got++); // body read in full, never answers
    });
    const { proxy } = await startProxy(t, { target: String(origin.port) });
    const s = net.connect({ host: '127.0.0.1', port: proxy.port });
    s.on('error', () => undefined);
    s.write('POST /p HTTP/1.1\r\nhost: x\r\ncontent-length: 5\r\n\r\nhello');
    await until(() => got === 1);
    s.resetAndDestroy();
    t.ok(
      await until(() => origin.sockets.size === 0),
      'upstream socket closed after the client left',
    );
  },
);

t.test(
  'undici aborts (a FIN, like a half-close): the upstream runs to --timeout, then all closes',
  async (t) => {
    // a FIN cannot tell "gone" from "half-closed, waiting" (docs/http-mode.md): the request is
    // kept until the target answers or --timeout passes, then nothing is left open
    let received = 0;
    const origin = await startOrigin(t, () => {
      received++; // never answers
    });
    const { mem, base } = await startProxy(t, { target: String(origin.port), timeoutMs: 300 });
    for (let i = 0; i < 5; i++) {
      const ac = new AbortController();
      const p = request(`${base}/hang/${i}`, { signal: ac.signal }).catch((e: Error) => e);
      await until(() => received === i + 1);
      ac.abort();
      t.type(await p, Error);
    }
    t.ok(
      await until(() => origin.sockets.size === 0),
      `upstream sockets closed (left: ${origin.sockets.size})`,
    );
    await until(() => mem.ofType('error').filter((e) => e.code === 'TARGET_TIMEOUT').length === 5);
    t.equal(mem.ofType('error').filter((e) => e.code === 'TARGET_TIMEOUT').length, 5);
  },
);

t.test('target resets mid-body: the client sees a cut, an error is logged', async (t) => {
  const origin = await startOrigin(t, (_req, res) => {
    res.writeHead(200, { 'content-length': '100000' });
    res.write(Buffer.alloc(1000, 0x62));
    setTimeout(() => (res.socket as net.Socket).resetAndDestroy(), 50);
  });
  const { mem, proxy } = await startProxy(t, { target: String(origin.port) });
  const outcome = await new Promise<string>((resolve) => {
    http
      .get({ host: '127.0.0.1', port: proxy.port, path: '/cut' }, (res) => {
        res.on('data', () => undefined);
        res.on('end', () => resolve('clean end'));
        res.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
        res.on('aborted', () => resolve('aborted'));
      })
      .on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
  });
  t.not(outcome, 'clean end', `client saw: ${outcome}`);
  const res = await waitMessage(mem, 'response');
  t.equal(res.fields.incomplete, true);
  t.equal(res.fields.bodyLength, 1000);
  t.ok(mem.ofType('error').some((e) => e.code === 'TARGET_RESET'));
});
