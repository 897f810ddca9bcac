// Addresses as users write them ("5432", "127.0.0.1:5432", "[::1]:5432", "localhost:5432") and
// the loopback rule of CONTRACT.md: listen and target must be loopback unless --allow-remote.
// We never pass an empty host to Node (its default is every interface).

import { isIP } from 'node:net';
import { lookup } from 'node:dns/promises';
import { usageError } from './errors.js';

export interface HostPort {
  host: string;
  port: number;
}

/** an address option as a program may pass it: a number is a port; anything else but a string
 * (an unset environment variable gives undefined) is named in a usage error, not a TypeError */
export function addressText(v: unknown, what: string): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isInteger(v)) return String(v);
  throw usageError(
    'BAD_ADDRESS',
    `${what} is ${v === undefined ? 'missing' : `${typeof v} ${JSON.stringify(v) ?? typeof v}`}: give [HOST:]PORT as a string or a port number, e.g. '5432' (an environment variable that is not set gives undefined)`,
  );
}

export function parseHostPort(value: string, what: string): HostPort {
  const text = addressText(value, what);
  const raw = text.trim();
  let host = '127.0.0.1';
  let portText = raw;
  const bracket = /^\[([^\]]+)\]:(\d+)$/.exec(raw);
  if (bracket) {
    host = bracket[1]!;
    portText = bracket[2]!;
  } else if (raw.includes(':')) {
    const i = raw.lastIndexOf(':');
    host = raw.slice(0, i);
    portText = raw.slice(i + 1);
    if (host.includes(':')) {
      throw usageError(
        'BAD_ADDRESS',
        `${what} "${text}" is not HOST:PORT: write IPv6 hosts in brackets, e.g. [::1]:${portText}`,
      );
    }
  }
  if (!/^\d+$/.test(portText) || Number(portText) > 65535) {
    throw usageError(
      'BAD_ADDRESS',
      `${what} "${text}" has no valid port: give PORT or HOST:PORT, e.g. 5432 or 127.0.0.1:5432`,
    );
  }
  if (host === '') {
    throw usageError(
      'BAD_ADDRESS',
      `${what} "${text}" has an empty host: looptap never binds every interface by default; write 127.0.0.1:${portText}`,
    );
  }
  return { host, port: Number(portText) };
}

export function formatHostPort({ host, port }: HostPort): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}

export function isLoopbackIp(ip: string): boolean {
  if (isIP(ip) === 4) return ip.startsWith('127.');
  const v6 = ip.toLowerCase();
  if (v6 === '::1' || v6 === '0:0:0:0:0:0:0:1') return true;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(v6);
  return mapped ? mapped[1]!.startsWith('127.') : false;
}

/** Resolves a host to one IP and checks the loopback rule. Names must resolve to loopback only:
 * `127.0.0.1.evil.example` is a name, not an address, and is judged by what it resolves to. */
export async function resolveChecked(
  hp: HostPort,
  what: 'listen' | 'target',
  allowRemote: boolean,
): Promise<HostPort> {
  let ips: string[];
  if (isIP(hp.host)) ips = [hp.host];
  else {
    try {
      ips = (await lookup(hp.host, { all: true, verbatim: true })).map((a) => a.address);
    } catch {
      throw usageError(
        'BAD_ADDRESS',
        `${what} host "${hp.host}" does not resolve: use an IP address such as 127.0.0.1`,
      );
    }
  }
  if (ips.length === 0) {
    throw usageError('BAD_ADDRESS', `${what} host "${hp.host}" has no address: use 127.0.0.1`);
  }
  const unspecified = ips.some((ip) => ip === '0.0.0.0' || ip === '::');
  if (!allowRemote && (unspecified || !ips.every(isLoopbackIp))) {
    throw usageError(
      'NOT_LOOPBACK',
      `${what} address ${formatHostPort(hp)} is not loopback: looptap only ${
        what === 'listen' ? 'listens on' : 'forwards to'
      } 127.0.0.0/8 and ::1 unless you pass --allow-remote`,
    );
  }
  // prefer IPv4 loopback when a name gives both, as most local servers listen there
  const ip = ips.find((a) => isIP(a) === 4) ?? ips[0]!;
  return { host: ip, port: hp.port };
}
