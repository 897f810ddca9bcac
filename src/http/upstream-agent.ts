// The keep-alive Agent every upstream request of HTTP mode goes through.

import http from 'node:http';
import type { Exchange } from './exchange.js';

type AddRequest = (...a: unknown[]) => unknown;

export interface UpstreamAgent {
  readonly agent: http.Agent;
  /** run `send` (which must create its upstream request synchronously) with `ex` told about it */
  bind(ex: Exchange, send: () => void): void;
}

export function upstreamAgent(): UpstreamAgent {
  // research/performance.md point 6: a new upstream connection per request costs 3x the req/s
  const agent = new http.Agent({ keepAlive: true, scheduling: 'lifo' });
  // http-proxy creates the upstream request synchronously inside proxy.web(); the agent is told
  // about it in the same call, which binds it to its exchange before any byte flows
  let binding: Exchange | undefined;
  const patched = agent as unknown as { addRequest: AddRequest };
  const addRequest = patched.addRequest;
  patched.addRequest = function (this: http.Agent, ...args: unknown[]) {
    if (binding) binding.proxyReq = args[0] as http.ClientRequest;
    binding = undefined;
    return addRequest.apply(this, args);
  };
  return {
    agent,
    bind(ex, send) {
      binding = ex;
      try {
        send();
      } finally {
        binding = undefined;
      }
    },
  };
}
