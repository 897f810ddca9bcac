// What the client gets when looptap cannot get an answer from the target, and the error event
// that goes with it. Every path answers: a client must never hang (http-proxy's default is to
// leave the response open, research/toolchain.md §5).

import type { ServerResponse } from 'node:http';
import type net from 'node:net';
import { explainConnectError } from '../relay/connection.js';
import { describe } from '../capture/hub.js';

export interface GatewayAnswer {
  status: number;
  reason: string;
  /** the short text body: names the target and the cause */
  body: string;
  /** error event code */
  code: string;
}

export function gatewayAnswer(
  err: NodeJS.ErrnoException,
  targetText: string,
  timedOut: boolean,
  timeoutMs: number,
): GatewayAnswer {
  if (timedOut) {
    return {
      status: 504,
      reason: 'Gateway Timeout',
      body: `looptap: target ${targetText} sent no response within ${timeoutMs} ms (--timeout)\n`,
      code: 'TARGET_TIMEOUT',
    };
  }
  const cause =
    err.code === 'ECONNRESET'
      ? 'the connection was reset before a response (ECONNRESET)'
      : explainConnectError(err);
  return {
    status: 502,
    reason: 'Bad Gateway',
    body: `looptap: cannot get a response from target ${targetText}: ${cause || describe(err)}\n`,
    code: err.code ?? 'BAD_GATEWAY',
  };
}

export function answerResponse(
  res: ServerResponse,
  a: { status: number; reason: string; body: string },
  closeConnection: boolean,
): boolean {
  if (res.headersSent || res.destroyed || res.writableEnded) {
    // part of a response is out: cut it, so the client cannot take it for a complete one
    res.destroy();
    return false;
  }
  const headers: Record<string, string | number> = {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(a.body),
  };
  // an unread request body would otherwise be read and dropped to keep the connection
  if (closeConnection) headers.connection = 'close';
  res.writeHead(a.status, a.reason, headers);
  res.end(a.body);
  return true;
}

/** the same on a raw socket (an upgrade request that never got its 101) */
export function answerSocket(
  socket: net.Socket,
  a: { status: number; reason: string; body: string },
): void {
  if (socket.destroyed) return;
  if (socket.writable && socket.bytesWritten === 0) {
    socket.end(
      `HTTP/1.1 ${a.status} ${a.reason}\r\ncontent-type: text/plain; charset=utf-8\r\n` +
        `content-length: ${Buffer.byteLength(a.body)}\r\nconnection: close\r\n\r\n${a.body}`,
    );
    socket.once('finish', () => socket.destroy());
  } else socket.destroy();
}

/** 431 for a request at Node's header-count limit (src/http/hardening.ts) */
export function tooManyHeaders(max: number) {
  return {
    status: 431,
    reason: 'Request Header Fields Too Large',
    body: `looptap: the request has ${max} or more header lines; looptap refuses it rather than forward it with headers dropped\n`,
  };
}

/** Node's flat rawHeaders / rawTrailers list as [name, value] pairs */
export function pairs(raw: string[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (let i = 0; i + 1 < raw.length; i += 2) out.push([raw[i]!, raw[i + 1]!]);
  return out;
}
