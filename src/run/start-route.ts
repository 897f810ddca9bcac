// Starts one route on the run's shared hub: a TCP relay, or HTTP mode's reverse proxy (loaded
// only when a route asks for it, so that plain TCP runs do not load http-proxy).

import type { Hub } from '../capture/hub.js';
import type { DecodeSetting } from '../events.js';
import { startRelay } from '../relay/tcp-relay.js';
import { toxicSetOf } from '../faults/fault-flag.js';
import { FaultedConnection } from '../faults/faulted-connection.js';
import type { RouteSpec } from './route-spec.js';

/** what every route of a run shares (the flags of `tcp` and `http`) */
export interface RouteSettings {
  redact: boolean;
  redactHeaders?: string[];
  redactFields?: string[];
  allowRemote: boolean;
  maxValue: number;
  /** result rows whose values an exchange keeps (--max-rows) */
  maxRows?: number;
  /** tcp routes */
  stripTls?: boolean;
  connectTimeout?: number;
  /** --fault lines, for every tcp route that has none of its own (docs/faults.md) */
  faults?: string[];
  /** http routes */
  hostRewrite?: boolean;
  xForwarded?: boolean;
  timeout?: number;
}

export interface StartedRoute {
  name: string;
  close(graceMs?: number): Promise<void>;
}

export async function startRoute(
  r: RouteSpec,
  s: RouteSettings,
  hub: Hub,
  multi: boolean,
): Promise<StartedRoute> {
  const route = multi ? r.name : undefined;
  const shared = {
    target: r.target,
    listen: r.listen,
    redact: s.redact,
    redactHeaders: s.redactHeaders,
    redactFields: s.redactFields,
    allowRemote: s.allowRemote,
    maxValue: s.maxValue,
    hub,
    route,
  };
  if (r.mode === 'http') {
    const { startHttpProxy } = await import('../http/http-proxy-server.js');
    const proxy = await startHttpProxy({
      ...shared,
      hostRewrite: s.hostRewrite,
      xForwarded: s.xForwarded,
      timeoutMs: s.timeout,
    });
    return { name: r.name, close: (graceMs) => proxy.close(graceMs) };
  }
  const relay = await startRelay({
    ...shared,
    decode: r.decode,
    stripTls: s.stripTls,
    connectTimeoutMs: s.connectTimeout,
    maxRows: s.maxRows,
    interceptors: faultInterceptors(r.faults ?? s.faults, r.decode, route),
  });
  return { name: r.name, close: (graceMs) => relay.close(graceMs) };
}

/** one toxic set per route: `count` limits are per route */
function faultInterceptors(lines: string[] | undefined, decode: DecodeSetting, route?: string) {
  if (!lines || lines.length === 0) return undefined;
  const set = toxicSetOf(lines);
  return [() => new FaultedConnection(set, decode, route)];
}
