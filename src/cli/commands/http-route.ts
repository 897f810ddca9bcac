// Routes with mode "http" in --config: HTTP mode's reverse proxy (src/http/) on the route's own
// hub, so its events carry the route name like the TCP relays' do. Loaded only when a config
// asks for it, so plain TCP runs do not load http-proxy.

import type { Hub } from '../../capture/hub.js';
import type { RouteSpec } from '../routes.js';

interface HttpRouteFlags {
  redact: boolean;
  allowRemote: boolean;
  maxValue: number;
}

export async function startHttpRoute(
  r: RouteSpec,
  hub: Hub,
  flags: HttpRouteFlags,
  multi: boolean,
): Promise<{ name: string; close(graceMs?: number): Promise<void> }> {
  const { startHttpProxy } = await import('../../http/http-proxy-server.js');
  const proxy = await startHttpProxy({
    target: r.target,
    listen: r.listen,
    redact: flags.redact,
    allowRemote: flags.allowRemote,
    maxValue: flags.maxValue,
    hub,
    route: multi ? r.name : undefined,
  });
  return {
    name: r.name,
    close: (graceMs) => proxy.close(graceMs),
  };
}
