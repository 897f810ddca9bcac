// What startHttpProxy() takes and returns (the library entry point of HTTP mode).

import type { Hub, Sink } from '../capture/hub.js';

export interface HttpProxyOptions {
  /** [HOST:]PORT or http://HOST:PORT/base */
  target: string;
  /** [HOST:]PORT; default 127.0.0.1:0 */
  listen?: string;
  redact?: boolean;
  /** header names (--redact-header) and field names (--redact-field) added to the secret lists */
  redactHeaders?: readonly string[];
  redactFields?: readonly string[];
  /** most body bytes kept per message (default 64 KiB) */
  maxValue?: number;
  allowRemote?: boolean;
  /** send the target's host:port as Host instead of the client's (default false) */
  hostRewrite?: boolean;
  /** add X-Forwarded-For/-Port/-Proto/-Host (default false) */
  xForwarded?: boolean;
  /** ms the target may stay silent before the client gets 504 (default 60000; 0 = never) */
  timeoutMs?: number;
  /** requests with this many header lines or more are refused with 431 (Node's default 2000) */
  maxHeadersCount?: number;
  sinks?: Sink[];
  hub?: Hub;
  route?: string;
}

export interface HttpProxy {
  readonly address: string;
  readonly port: number;
  /** http://127.0.0.1:3000/base */
  readonly target: string;
  readonly hub: Hub;
  readonly connections: number;
  close(graceMs?: number): Promise<void>;
}
