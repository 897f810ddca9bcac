// Fingerprints: the normalised text of a request, so that the digest groups the same statement
// with different literals (docs/stats.md). Called by the Observer for every exchange, so it is
// cached by request text (bounded), and PostgreSQL's parser runs once per distinct statement
// shape, not once per statement.
//
//   postgres  lexer normaliser -> libpg-query fingerprint of that    select * from t where id = $1
//   mysql     lexer normaliser, hash of the text                      select * from t where id = ?
//   redis     command + key pattern                                   GET user:*
//   http      method + route template                                 GET /users/:id

import { cut } from '../decoders/summary-text.js';
import type { ExchangeRequest, ProtocolName } from '../events.js';
import { TwoGenCache } from './cache.js';
import { httpPrint, redisPrint, redisPrintNeeds } from './keys.js';
import { NumberShapeCache, numberShapeHash } from './number-shape.js';
import { normalizeSql, pgPrint, sha } from './pg-fingerprint.js';
import type { NormalizeInfo } from './sql-normalize.js';

export { fingerprintReady } from './pg-fingerprint.js';

export interface Fingerprint {
  fingerprint: string;
  fingerprintId: string;
}

/** a fingerprint is shown in tables and lines: longer ones are cut (the id still tells apart) */
export const MAX_FINGERPRINT = 2000;
const CACHE_SIZE = 512;
const CACHE_KEY_MAX = 4096;

/** raw request text -> fingerprint; one cache per protocol so that the key is the request's own
 * string (a prefixed key would be a new string to flatten and hash on every lookup). Only
 * statements without literals go in: `... where aid = 48213` is a new text at every call, and
 * caching those only pushed the hits out and kept every text alive long enough to be promoted
 * to the old generation (pgbench -S: 5 full GCs where 0.1 had 1, +3 µs per query). */
const byText = {
  postgres: new TwoGenCache<Fingerprint>(CACHE_SIZE, CACHE_KEY_MAX),
  mysql: new TwoGenCache<Fingerprint>(CACHE_SIZE, CACHE_KEY_MAX),
  other: new TwoGenCache<Fingerprint>(CACHE_SIZE, CACHE_KEY_MAX),
};
/** statements that differ only in their numbers -> fingerprint: the normaliser runs once per
 * such shape, not at every `where aid = N` (number-shape.ts) */
const byNumbers = {
  postgres: new NumberShapeCache<Fingerprint>(CACHE_SIZE),
  mysql: new NumberShapeCache<Fingerprint>(CACHE_SIZE),
};
/** normalised SQL -> fingerprint: the parser runs once per statement shape */
const byShape = {
  postgres: new TwoGenCache<Fingerprint>(CACHE_SIZE, CACHE_KEY_MAX),
  mysql: new TwoGenCache<Fingerprint>(CACHE_SIZE, CACHE_KEY_MAX),
};

export function fingerprintOf(protocol: ProtocolName, request: ExchangeRequest): Fingerprint {
  switch (protocol) {
    case 'postgres':
    case 'mysql':
      return sqlPrint(protocol, request.sql ?? request.text);
    case 'redis': {
      if (request.command) return redisFingerprint(request.command);
      const text = redisPrint(request.text.split(' '));
      return cached('r', text, () => text);
    }
    case 'http': {
      const text = httpPrint(request.method, request.url);
      return cached('h', text, () => text);
    }
    default:
      return cached('?', request.text, () => request.text);
  }
}

const seen: NormalizeInfo = { literals: 0 };

function sqlPrint(protocol: 'postgres' | 'mysql', sql: string): Fingerprint {
  const texts = byText[protocol];
  const hit = texts.get(sql);
  if (hit) return hit;
  const numbers = sql.length <= CACHE_KEY_MAX ? numberShapeHash(sql) : -1;
  if (numbers >= 0) {
    const same = byNumbers[protocol].get(numbers, sql);
    if (same) return same;
  }
  const text = cut(normalizeSql(sql, protocol, seen), MAX_FINGERPRINT);
  const literals = seen.literals;
  const shapes = byShape[protocol];
  let fp = shapes.get(text);
  if (!fp) {
    if (protocol === 'postgres') {
      const p = pgPrint(text, sql);
      fp = { fingerprint: p.fingerprint, fingerprintId: p.fingerprintId };
      // before the parser loaded: an answer for now, not one to keep
      if (!p.final) return fp;
    } else fp = { fingerprint: text, fingerprintId: sha('mysql\0' + text) };
    shapes.set(text, fp);
  }
  if (literals === 0) texts.set(sql, fp);
  else if (numbers >= 0) byNumbers[protocol].set(numbers, sql, fp);
  return fp;
}

/** Redis command name as sent -> what its print depends on, and for `first`, first argument ->
 * fingerprint. Only arguments printed as they are go in (`key:__rand_int__`, not `user:42`):
 * ids make a new key at every call, as literals do in SQL. Bounded: names and arguments. */
const redisNeeds = new Map<string, ReturnType<typeof redisPrintNeeds>>();
const redisByArg = new Map<string, TwoGenCache<Fingerprint>>();
const REDIS_NAMES = 256;

function redisFingerprint(command: string[]): Fingerprint {
  const name = command[0];
  if (name === undefined) return cached('r', '(empty)', () => '(empty)');
  let needs = redisNeeds.get(name);
  if (needs === undefined) {
    needs = redisPrintNeeds(name);
    if (redisNeeds.size < REDIS_NAMES) redisNeeds.set(name, needs);
  }
  const arg = command[1];
  if (needs !== 'first' || arg === undefined) {
    const text = redisPrint(command);
    return cached('r', text, () => text);
  }
  let byArg = redisByArg.get(name);
  const hit = byArg?.get(arg);
  if (hit) return hit;
  const text = redisPrint(command);
  const fp = cached('r', text, () => text);
  if (text.length === name.length + 1 + arg.length && text.endsWith(arg)) {
    if (!byArg && redisByArg.size < REDIS_NAMES)
      redisByArg.set(name, (byArg = new TwoGenCache(CACHE_SIZE, CACHE_KEY_MAX)));
    byArg?.set(arg, fp);
  }
  return fp;
}

function cached(kind: string, text: string, make: () => string): Fingerprint {
  const key = kind + text;
  let fp = byText.other.get(key);
  if (!fp) {
    const f = cut(make(), MAX_FINGERPRINT);
    fp = { fingerprint: f, fingerprintId: sha(kind + '\0' + f) };
    byText.other.set(key, fp);
  }
  return fp;
}

/** for tests: forget every cached fingerprint */
export function clearFingerprintCache(): void {
  for (const c of [...Object.values(byText), ...Object.values(byShape)]) c.clear();
  for (const c of Object.values(byNumbers)) c.clear();
  redisNeeds.clear();
  redisByArg.clear();
}
