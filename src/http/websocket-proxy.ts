// WebSocket upgrades in HTTP mode: http-proxy does the handshake and pipes the two sockets;
// this file logs what passes (the upgrade, then every frame both ways via websocket-tap.ts) and
// ties the sockets' lifetimes together. http-proxy only end()s the upstream socket when the
// client socket errors (#559/#1510: sockets leak); here either side going away destroys both.

import type { ClientRequest, IncomingMessage } from 'node:http';
import type net from 'node:net';
import { upgradeMessage } from '../decoders/http/message.js';
import { formatSize } from '../decoders/http/message.js';
import type { From } from '../events.js';
import { looksLikeText } from './body-preview.js';
import { maskPayload } from '../decoders/http/body-secrets.js';
import type { Exchange } from './exchange.js';
import { now } from '../util/time.js';
import { WsParser, type WsMessage } from './websocket-tap.js';

/** called from http-proxy's 'proxyReqWs': the upstream upgrade request exists */
export function watchWebSocket(ex: Exchange, proxyReq: ClientRequest, client: net.Socket): void {
  proxyReq.once('upgrade', (res: IncomingMessage, upstream: net.Socket) => {
    ex.clearTimer();
    const t = now();
    ex.headAt = t;
    const d = upgradeMessage(
      {
        status: res.statusCode ?? 101,
        reason: res.statusMessage ?? '',
        version: res.httpVersion,
        headers: res.rawHeaders,
        upgrade: String(res.headers.upgrade ?? 'websocket').toLowerCase(),
        latencyMs: Math.round((t - ex.started) * 1000) / 1000,
      },
      ex.opts,
    );
    ex.out(d, t, {});
    ex.upgraded(d, t);
    // runs before http-proxy's own 'upgrade' listener, so both taps see every byte
    tap(ex, 'client', client);
    tap(ex, 'server', upstream);
    const both = (): void => {
      if (!client.destroyed) client.destroy();
      if (!upstream.destroyed) upstream.destroy();
    };
    client.once('close', both);
    upstream.once('close', both);
    client.on('error', both);
    upstream.on('error', both);
  });
  // the upstream answered without upgrading (404, 401, ...): log it like any response
  proxyReq.once('response', (res: IncomingMessage) => {
    ex.responseHead(res, () => ex.responseEnded(res));
  });
}

function tap(ex: Exchange, from: From, socket: net.Socket): void {
  const parser = new WsParser(ex.opts.maxValue);
  socket.on('data', (chunk: Buffer) => {
    if (parser.failed) return;
    for (const m of parser.push(chunk)) {
      if (ex.opts.redact && m.kind === 'text' && !m.compressed) {
        // JSON fields with secret names in a text frame (`{"type":"auth","token":...}`)
        const r = maskPayload(m.payload, ex.names);
        if (r.masked > 0) m.payload = r.bytes;
      }
      ex.out(frameMessage(from, m), now(), {});
    }
  });
}

function frameMessage(from: From, m: WsMessage) {
  const fields: Record<string, unknown> = {
    opcode: m.kind,
    body: m.payload.toString('base64'),
    bodyLength: m.length,
  };
  if (m.payload.length < m.length) fields.truncated = true;
  if (m.compressed) fields.compressed = true;
  if (m.code !== undefined) fields.code = m.code;
  if (m.reason !== undefined) fields.reason = m.reason;
  return { from, name: 'websocket', summary: frameSummary(m), fields };
}

function frameSummary(m: WsMessage): string {
  if (m.kind === 'close')
    return `close${m.code !== undefined ? ` ${m.code}` : ''}${m.reason ? ` ${m.reason}` : ''}`;
  const size = formatSize(m.length);
  if (m.compressed) return `${m.kind} ${size} (compressed)`;
  if (m.kind === 'text' || ((m.kind === 'ping' || m.kind === 'pong') && looksLikeText(m.payload))) {
    const text = m.payload.toString('utf8').replace(/\s+/g, ' ');
    const cut = text.length > 80 || m.payload.length < m.length;
    return `${m.kind} ${size}: ${text.slice(0, 80)}${cut ? '…' : ''}`;
  }
  return `${m.kind} ${size}`;
}
