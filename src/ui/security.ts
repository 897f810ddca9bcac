// The UI's door checks, in this order: Host (DNS rebinding: only loopback names with the UI's
// own port; 421), proxy headers (a request that came through a proxy, e.g. looptap's own port:
// 403), Origin and Sec-Fetch-Site on the API and live stream (another site's page: 403), then
// the token (401): from ?token=, the cookie it is moved to, or Authorization: Bearer, compared
// in constant time. Headers on every answer: a strict CSP with no inline script, no framing,
// nosniff, no referrer, no caching.

import crypto from 'node:crypto';
import type http from 'node:http';

export const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
    "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; " +
    "frame-ancestors 'none'",
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

const PROXY_HEADERS = ['forwarded', 'x-forwarded-for', 'x-forwarded-host', 'via', 'x-real-ip'];

export type Verdict =
  { ok: true; via: 'query' | 'cookie' | 'bearer' } | { ok: false; status: number; reason: string };

export class Guard {
  readonly token: string;
  private readonly digest: Buffer;
  private hosts = new Set<string>();

  constructor(
    private port: number,
    private readonly allowRemote: boolean,
    token = crypto.randomBytes(32).toString('base64url'),
  ) {
    this.token = token;
    this.digest = sha(token);
    this.setPort(port);
  }

  /** the port is known once listening */
  setPort(port: number): void {
    this.port = port;
    this.hosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]);
  }

  /** `api`: the JSON API and the live stream, which a page of another site must never reach */
  check(req: http.IncomingMessage, url: URL, api: boolean): Verdict {
    const host = (req.headers.host ?? '').toLowerCase();
    if (!this.hostOk(host)) {
      return {
        ok: false,
        status: 421,
        reason: `Host "${host.slice(0, 100)}" is not this UI (use http://127.0.0.1:${this.port}/)`,
      };
    }
    for (const h of PROXY_HEADERS) {
      if (req.headers[h] !== undefined) {
        return {
          ok: false,
          status: 403,
          reason: `refused: the request came through a proxy (${h})`,
        };
      }
    }
    if (api) {
      const origin = req.headers.origin;
      if (origin !== undefined && origin !== `http://${host}`) {
        return { ok: false, status: 403, reason: `refused: Origin ${origin.slice(0, 100)}` };
      }
      const site = req.headers['sec-fetch-site'];
      if (site !== undefined && site !== 'same-origin' && site !== 'none') {
        return { ok: false, status: 403, reason: `refused: a ${site} request` };
      }
    }
    const q = url.searchParams.get('token');
    if (q !== null) return this.tokenOk(q) ? { ok: true, via: 'query' } : denied('wrong token');
    const auth = req.headers.authorization;
    if (auth?.startsWith('Bearer ')) {
      return this.tokenOk(auth.slice(7)) ? { ok: true, via: 'bearer' } : denied('wrong token');
    }
    const cookie = readCookie(req.headers.cookie, this.cookieName);
    if (cookie !== undefined) {
      return this.tokenOk(cookie) ? { ok: true, via: 'cookie' } : denied('wrong token');
    }
    return denied('no token: open the ui: URL looptap printed (it carries ?token=)');
  }

  /** one cookie per UI port: cookies are shared by every port of a host */
  get cookieName(): string {
    return `looptap_ui_${this.port}`;
  }

  setCookie(): string {
    return `${this.cookieName}=${this.token}; HttpOnly; SameSite=Strict; Path=/`;
  }

  private hostOk(host: string): boolean {
    if (this.hosts.has(host)) return true;
    // --allow-remote: the machine's own names and addresses too; the token still guards it
    return this.allowRemote && host.endsWith(`:${this.port}`);
  }

  private tokenOk(given: string): boolean {
    return crypto.timingSafeEqual(sha(given), this.digest);
  }
}

const sha = (s: string): Buffer => crypto.createHash('sha256').update(s).digest();

const denied = (reason: string): Verdict => ({ ok: false, status: 401, reason });

function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
