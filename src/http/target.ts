// The HTTP-mode target as users write it: a bare PORT, HOST:PORT, or an http:// URL with an
// optional base path (`http://127.0.0.1:3000/base`: `/x` is forwarded as `/base/x`). The loopback
// rule of CONTRACT.md applies to the resolved host exactly as in TCP mode.

import { addressText, formatHostPort, parseHostPort, resolveChecked } from '../util/address.js';
import { usageError } from '../util/errors.js';

export interface HttpTarget {
  /** the resolved IP */
  host: string;
  port: number;
  /** '' or a path without a trailing slash, e.g. '/base' */
  basePath: string;
  /** what the announcement shows: http://127.0.0.1:3000/base */
  text: string;
  /** the URL handed to http-proxy */
  url: string;
}

export async function resolveTarget(value: string, allowRemote: boolean): Promise<HttpTarget> {
  const text = addressText(value, 'target');
  const raw = text.trim();
  let hostPort: string;
  let basePath = '';
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(raw)) {
    let u: URL;
    try {
      u = new URL(raw);
    } catch {
      throw usageError(
        'BAD_TARGET',
        `target "${text}" is not a valid URL: write e.g. http://127.0.0.1:3000`,
      );
    }
    if (u.protocol !== 'http:') {
      throw usageError(
        'BAD_TARGET',
        `target "${text}" uses ${u.protocol.slice(0, -1)}: looptap http forwards to http:// targets only`,
      );
    }
    if (u.username || u.password || u.search || u.hash) {
      throw usageError(
        'BAD_TARGET',
        `target "${text}" has credentials, a query or a fragment: give only http://HOST:PORT/path`,
      );
    }
    hostPort = u.host.includes(':') || u.host.startsWith('[') ? u.host : `${u.host}:80`;
    if (/^\[[^\]]+\]$/.test(u.host)) hostPort = `${u.host}:80`;
    basePath = u.pathname.replace(/\/+$/, '');
  } else {
    hostPort = raw;
  }
  const resolved = await resolveChecked(parseHostPort(hostPort, 'target'), 'target', allowRemote);
  const origin = `http://${formatHostPort(resolved)}`;
  return {
    host: resolved.host,
    port: resolved.port,
    basePath,
    text: origin + basePath,
    url: origin + basePath,
  };
}
