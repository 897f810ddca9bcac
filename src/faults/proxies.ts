// The proxies of `looptap serve`, as Toxiproxy keeps them: by name, each with a listen address,
// an upstream, `enabled` and its toxics. Each enabled proxy is a looptap relay (startRelay) on
// the shared hub, stamped with the proxy's name as its route, so it is decoded, shown and
// captured like any route. Every change is checked whole before anything starts or stops.

import type { Hub } from '../capture/hub.js';
import type { DecodeSetting } from '../events.js';
import { startRelay, type Relay } from '../relay/tcp-relay.js';
import { LooptapError } from '../util/errors.js';
import { ApiError, badRequest, missingField, proxyExists, proxyNotFound } from './api-error.js';
import { FaultedConnection } from './faulted-connection.js';
import { ToxicSet } from './toxic-set.js';
import type { ToxicJson } from './toxics.js';

/** route names go into every line unescaped by the fast data-line writer (src/cli/routes.ts) */
const NAME_RE = /^[A-Za-z0-9_.:@/+\-[\]>]{1,64}$/;

export interface ProxyJson {
  name: string;
  listen: string;
  upstream: string;
  enabled: boolean;
  toxics: ToxicJson[];
}

export interface ProxyInput {
  name: string;
  listen: string;
  upstream: string;
  enabled: boolean;
}

export interface ProxyOptions {
  hub: Hub;
  decode: DecodeSetting;
  redact: boolean;
  allowRemote: boolean;
  maxValue?: number;
}

export class Proxy {
  readonly toxics = new ToxicSet();
  private relay: Relay | undefined;

  constructor(
    readonly name: string,
    public listen: string,
    public upstream: string,
    private readonly o: ProxyOptions,
  ) {}

  get enabled(): boolean {
    return this.relay !== undefined;
  }

  json(): ProxyJson {
    const { name, listen, upstream, enabled } = this;
    return { name, listen, upstream, enabled, toxics: this.toxics.json() };
  }

  /** starts listening; the listen address becomes the real one (port 0 resolved) */
  async start(): Promise<void> {
    if (this.relay) return;
    try {
      this.relay = await startRelay({
        listen: this.listen,
        listenFlag: 'listen',
        target: this.upstream,
        decode: this.o.decode,
        redact: this.o.redact,
        allowRemote: this.o.allowRemote,
        maxValue: this.o.maxValue,
        hub: this.o.hub,
        route: this.name,
        interceptors: [() => new FaultedConnection(this.toxics, this.o.decode, this.name)],
      });
    } catch (err) {
      if (err instanceof LooptapError) {
        // Toxiproxy answers a listen failure with 500; a bad address is the caller's: 400
        const status = err.exit === 2 ? 400 : 500;
        throw new ApiError(status, `proxy ${this.name}: ${err.message}`);
      }
      throw err;
    }
    this.listen = this.relay.address;
  }

  /** stops listening and closes its connections (Toxiproxy's "down") */
  async stop(): Promise<void> {
    const r = this.relay;
    this.relay = undefined;
    if (r) await r.close(0);
  }
}

export class ProxyCollection {
  private proxies = new Map<string, Proxy>();

  constructor(private readonly o: ProxyOptions) {}

  all(): Proxy[] {
    return [...this.proxies.values()];
  }

  get(name: string): Proxy {
    const p = this.proxies.get(name);
    if (!p) throw proxyNotFound();
    return p;
  }

  async create(body: unknown): Promise<Proxy> {
    const input = checkProxy(body);
    if (this.proxies.has(input.name)) throw proxyExists();
    const p = new Proxy(input.name, input.listen, input.upstream, this.o);
    // reserve the name while the listener starts, so a concurrent create gets 409
    this.proxies.set(p.name, p);
    try {
      if (input.enabled) await p.start();
    } catch (err) {
      this.proxies.delete(p.name);
      throw err;
    }
    return p;
  }

  /** Toxiproxy's POST/PATCH /proxies/{name}: new listen/upstream restart it; enabled toggles */
  async update(name: string, body: unknown): Promise<Proxy> {
    const p = this.get(name);
    const b = object(body);
    const listen = b.listen === undefined ? p.listen : str(b.listen, 'listen');
    const upstream = b.upstream === undefined ? p.upstream : str(b.upstream, 'upstream');
    if (b.enabled !== undefined && typeof b.enabled !== 'boolean') {
      throw badRequest('enabled must be true or false');
    }
    const enabled = b.enabled ?? p.enabled;
    const moved = listen !== p.listen || upstream !== p.upstream;
    const was = { listen: p.listen, upstream: p.upstream, enabled: p.enabled };
    if (moved || !enabled) await p.stop();
    p.listen = listen;
    p.upstream = upstream;
    if (enabled) {
      try {
        await p.start();
      } catch (err) {
        // put it back as it was: nothing half-changed
        p.listen = was.listen;
        p.upstream = was.upstream;
        if (was.enabled) await p.start().catch(() => undefined);
        throw err;
      }
    }
    return p;
  }

  async remove(name: string): Promise<void> {
    const p = this.get(name);
    this.proxies.delete(name);
    await p.stop();
  }

  /** Toxiproxy's POST /populate: create or replace many; all are checked before any starts, and
   * on a failure the ones this call created are removed again */
  async populate(body: unknown): Promise<Proxy[]> {
    if (!Array.isArray(body)) throw badRequest('populate takes a JSON array of proxies');
    const inputs = body.map((b, i) => checkProxy(b, ` at proxy ${i + 1}`));
    const out: Proxy[] = [];
    const created: string[] = [];
    try {
      for (const input of inputs) {
        const cur = this.proxies.get(input.name);
        if (cur && cur.listen === input.listen && cur.upstream === input.upstream) {
          out.push(cur);
          continue;
        }
        if (cur) await this.remove(cur.name);
        out.push(await this.create(input));
        created.push(input.name);
      }
    } catch (err) {
      for (const name of created) await this.remove(name).catch(() => undefined);
      throw err;
    }
    return out;
  }

  /** Toxiproxy's POST /reset: every proxy enabled, every toxic removed */
  async reset(): Promise<void> {
    for (const p of this.proxies.values()) {
      p.toxics.clear();
      await p.start();
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.all().map((p) => p.stop()));
    this.proxies.clear();
  }
}

function object(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw badRequest('expected a JSON object');
  }
  return body as Record<string, unknown>;
}

function str(v: unknown, field: string): string {
  if (typeof v !== 'string') throw badRequest(`${field} must be a string like "127.0.0.1:26379"`);
  return v;
}

function checkProxy(body: unknown, where = ''): ProxyInput {
  const b = object(body);
  if (b.name === undefined || b.name === '') throw missingField(`name${where}`);
  if (b.upstream === undefined || b.upstream === '') throw missingField(`upstream${where}`);
  const name = str(b.name, 'name');
  if (!NAME_RE.test(name)) {
    throw badRequest(
      `proxy name "${name}" may only hold letters, digits and _ . : @ / + - [ ] > (at most 64)`,
    );
  }
  if (b.enabled !== undefined && typeof b.enabled !== 'boolean') {
    throw badRequest('enabled must be true or false');
  }
  return {
    name,
    listen: b.listen === undefined || b.listen === '' ? '127.0.0.1:0' : str(b.listen, 'listen'),
    upstream: str(b.upstream, 'upstream'),
    enabled: b.enabled ?? true,
  };
}
