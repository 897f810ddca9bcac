// Several routes in one process (docs/routes.md): `--route [NAME@]LISTEN=TARGET` (repeatable)
// and `--config FILE` ({"routes": [{listen, target, mode, decode, name}]}) both become RouteSpecs.
// Every mistake is one line naming the route and the fix, and exits 2 before anything listens.

import fs from 'node:fs';
import type { DecodeSetting } from '../events.js';
import type { RouteSpec } from '../run/route-spec.js';
import { PROTOCOLS } from '../decoders/registry.js';
import { parseHostPort } from '../util/address.js';
import { LooptapError, usageError } from '../util/errors.js';
import { checkFaultFlag } from '../faults/fault-flag.js';

export type { RouteSpec } from '../run/route-spec.js';

const DECODES: readonly string[] = ['auto', 'raw', ...PROTOCOLS];
const KEYS = new Set(['listen', 'target', 'mode', 'decode', 'name', 'faults']);
/** names go into every line unescaped by the fast data-line writer: keep them plain ASCII */
const NAME_RE = /^[A-Za-z0-9_.:@/+\-[\]>]{1,64}$/;

/** `62893=5432`, `127.0.0.1:62893=127.0.0.1:5432`, `pg@62893=5432` */
export function parseRouteFlag(text: string, decode: DecodeSetting): RouteSpec {
  const raw = text.trim();
  const at = raw.indexOf('@');
  const name = at > 0 ? raw.slice(0, at) : undefined;
  const rest = at > 0 ? raw.slice(at + 1) : raw;
  const parts = rest.split('=');
  if (parts.length !== 2 || parts[0] === '' || parts[1] === '') {
    throw usageError(
      'BAD_ROUTE',
      `--route "${text}" is not LISTEN=TARGET: write e.g. --route 62893=5432 or --route pg@127.0.0.1:62893=5432`,
    );
  }
  return checked(
    {
      name: name ?? `${parts[0]}->${parts[1]}`,
      listen: parts[0]!,
      target: parts[1]!,
      mode: 'tcp',
      decode,
    },
    `--route "${text}"`,
  );
}

/** reads a --config file; relative paths are relative to the working directory */
export function readRouteConfig(path: string, decode: DecodeSetting): RouteSpec[] {
  const routes = configRoutes(path, readConfigText(path));
  return routes.map((r: unknown, i) => configRoute(r, `--config ${path} route ${i + 1}`, decode));
}

function readConfigText(path: string): string {
  try {
    return fs.readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such file; check the path'
        : code === 'EISDIR'
          ? 'it is a directory; give the JSON file'
          : `${code ?? ''} ${(err as Error).message}`;
    throw usageError('BAD_CONFIG', `cannot read --config ${path}: ${why}`);
  }
}

function configRoutes(path: string, text: string): unknown[] {
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch (err) {
    throw usageError(
      'BAD_CONFIG',
      `--config ${path} is not valid JSON (${(err as Error).message}); see docs/routes.md`,
    );
  }
  const routes = (o as { routes?: unknown } | null)?.routes;
  if (typeof o !== 'object' || o === null || !Array.isArray(routes) || routes.length === 0) {
    throw usageError(
      'BAD_CONFIG',
      `--config ${path} needs {"routes": [{"listen": "62893", "target": "5432"}, ...]} with at least one route`,
    );
  }
  return routes;
}

function configRoute(r: unknown, where: string, decode: DecodeSetting): RouteSpec {
  if (typeof r !== 'object' || r === null || Array.isArray(r)) {
    throw usageError(
      'BAD_CONFIG',
      `${where} is not an object like {"listen": "62893", "target": "5432"}`,
    );
  }
  const e = r as Record<string, unknown>;
  for (const k of Object.keys(e)) {
    if (!KEYS.has(k)) {
      throw usageError(
        'BAD_CONFIG',
        `${where} has an unknown key "${k}": use listen, target, mode, decode, name`,
      );
    }
  }
  const str = (k: string, fallback?: string): string => configString(e, k, where, fallback);
  const listen = str('listen', '127.0.0.1:0');
  const target = str('target');
  const mode = str('mode', 'tcp');
  if (mode !== 'tcp' && mode !== 'http') {
    throw usageError('BAD_CONFIG', `${where}: mode "${mode}" is not "tcp" or "http"`);
  }
  const faults = e.faults;
  if (
    faults !== undefined &&
    (!Array.isArray(faults) || faults.some((f) => typeof f !== 'string') || mode !== 'tcp')
  ) {
    throw usageError(
      'BAD_CONFIG',
      `${where}: "faults" is a list of strings like ["latency latency=100"], on tcp routes only`,
    );
  }
  const spec: RouteSpec = {
    name: str('name', e.listen === undefined ? `${target}` : `${listen}->${target}`),
    listen,
    target,
    mode,
    decode: str('decode', decode) as DecodeSetting,
  };
  if (faults) spec.faults = faults as string[];
  return checked(spec, where);
}

/** a route's string value; listen and target may be bare port numbers */
function configString(
  e: Record<string, unknown>,
  k: string,
  where: string,
  fallback?: string,
): string {
  const v = e[k];
  if (v === undefined && fallback !== undefined) return fallback;
  if (typeof v === 'number' && (k === 'listen' || k === 'target')) return String(v);
  if (typeof v !== 'string' || v === '') {
    throw usageError(
      'BAD_CONFIG',
      `${where}: "${k}" must be a non-empty string${fallback === undefined ? ' (it is required)' : ''}`,
    );
  }
  return v;
}

function checked(r: RouteSpec, where: string): RouteSpec {
  if (!NAME_RE.test(r.name)) {
    throw usageError(
      'BAD_ROUTE',
      `${where}: route name "${r.name}" may only hold letters, digits and _ . : @ / + - [ ] > (at most 64)`,
    );
  }
  if (!DECODES.includes(r.decode)) {
    throw usageError(
      'BAD_ROUTE',
      `${where}: decode "${r.decode}" is not one of ${DECODES.join(', ')}`,
    );
  }
  for (const f of r.faults ?? []) checkFaultFlag(f);
  try {
    parseHostPort(r.listen, 'listen address');
    if (r.mode === 'tcp') parseHostPort(r.target, 'target');
  } catch (err) {
    if (err instanceof LooptapError) throw usageError(err.code, `${where}: ${err.message}`);
    throw err;
  }
  return r;
}

/** all routes of a run: --route flags first, then --config entries; names must differ */
export function collectRoutes(
  routeFlags: string[] | undefined,
  configPath: string | undefined,
  decode: DecodeSetting,
): RouteSpec[] {
  const routes = [
    ...(routeFlags ?? []).map((r) => parseRouteFlag(String(r), decode)),
    ...(configPath ? readRouteConfig(configPath, decode) : []),
  ];
  const seen = new Set<string>();
  for (const r of routes) {
    if (seen.has(r.name)) {
      throw usageError(
        'BAD_ROUTE',
        `two routes are named "${r.name}": give each its own name (NAME@LISTEN=TARGET, or "name" in --config)`,
      );
    }
    seen.add(r.name);
  }
  return routes;
}
