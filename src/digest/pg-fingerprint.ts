// PostgreSQL fingerprints with the real PostgreSQL parser (libpg-query, the parser pganalyze and
// pg_query use): its fingerprint is a hash of the parse tree, so statements that differ only in
// literals, spacing, keyword case or the length of an IN list share it. It is WASM and loads
// once, asynchronously: until fingerprintReady() resolves, the lexer normaliser stands in.

import { createHash } from 'node:crypto';
import v8 from 'node:v8';
import { normalizeSql } from './sql-normalize.js';

interface PgQuery {
  fingerprintSync(sql: string): string;
}

let pg: PgQuery | undefined;
let loading: Promise<void> | undefined;

/** Loads the parser (once; about 25 ms). Resolves even if it cannot load: the fallback
 * normaliser then does all the work. */
export function fingerprintReady(): Promise<void> {
  loading ??= (async () => {
    try {
      const m = (await import('libpg-query')) as unknown as PgQuery & {
        loadModule(): Promise<void>;
      };
      // 1.7 MB of WebAssembly: by default V8 also compiles all of it with its optimising compiler
      // in the background, 1-2 s of CPU at every start that also holds up the process's exit
      // (looptap stats took 20 s under load). The baseline compiler is plenty for one parse per
      // statement shape, so this one module is compiled with it alone.
      v8.setFlagsFromString('--liftoff-only');
      try {
        await m.loadModule();
      } finally {
        v8.setFlagsFromString('--no-liftoff-only');
      }
      // the parser's functions are compiled at their first call: 25 ms of CPU for the first
      // statement, which is the first query's latency. Paid here instead, before looptap announces.
      try {
        m.fingerprintSync(WARM_UP);
      } catch {
        // nothing to warm then
      }
      pg = m;
    } catch {
      pg = undefined;
    }
  })();
  return loading;
}

const WARM_UP =
  'with w as (select a.id, count(*) as n from t a join u b on (a.id = b.id) left join v c ' +
  "on c.x = a.x where a.k in (1, 2) and b.s = 'x' group by 1 having count(*) > 1) " +
  'select * from w order by n desc limit 10 offset 5; ' +
  'insert into t (a, b) values ($1, $2) on conflict (a) do update set b = excluded.b returning a; ' +
  'update t set b = b + 1 where a = $1; delete from t where a = any($1::int[])';

export const pgParserLoaded = (): boolean => pg !== undefined;

export interface PgPrint {
  fingerprint: string;
  fingerprintId: string;
  /** false while the parser is not loaded: do not cache this answer */
  final: boolean;
}

/** `text` is the lexer-normalised statement (literals already `$n`); parsing that instead of
 * the original makes a simple-protocol `id = 5` and an extended `id = $1` one fingerprint */
export function pgPrint(text: string, original: string): PgPrint {
  if (!pg) {
    void fingerprintReady();
    return { fingerprint: text, fingerprintId: sha(text), final: false };
  }
  for (const candidate of [text, original]) {
    try {
      return { fingerprint: text, fingerprintId: pg.fingerprintSync(candidate), final: true };
    } catch {
      // not parseable (a typed literal such as date '2020-01-01' became date $1, or the
      // statement is not PostgreSQL at all): try the original, then the hash of the text
    }
  }
  return { fingerprint: text, fingerprintId: sha(text), final: true };
}

export function sha(text: string): string {
  return createHash('sha1').update(text).digest('hex').slice(0, 16);
}

export { normalizeSql };
