// What every protocol replayer produces and what the report is made of: one Comparison per
// request (a TCP turn, an HTTP exchange, a PostgreSQL Query or Sync, a Redis command).

export type ReplayKind = 'tcp' | 'http' | 'postgres' | 'redis' | 'mysql';

export interface Comparison {
  conn: number;
  /** 1-based position of the request in its connection */
  index: number;
  kind: ReplayKind;
  /** one line naming the request: `GET /x`, `select 1`, `SET k v`, `turn 3 (12 bytes)` */
  request: string;
  same: boolean;
  /** compact difference lines (diff.ts), empty when same */
  diffs: string[];
  /** what the capture holds and what the target answered, in the comparable form */
  recorded: unknown;
  replayed: unknown;
  /** something the reader should know, e.g. the capture cut the connection off here */
  note?: string;
}

export interface ReplaySettings {
  host: string;
  port: number;
  /** 'fast' sends each request as soon as the previous answer is in */
  pace: 'fast' | 'recorded';
  /** ms without new bytes after which an answer counts as complete (raw TCP) */
  quietMs: number;
  /** ms to wait for any answer at all */
  timeoutMs: number;
  ignoreHeaders: string[];
  ignoreJsonPaths: string[];
  /** extra HTTP headers to send (replace redacted credentials) */
  headers: Array<[string, string]>;
  user?: string;
  /** per protocol: --password, else PGPASSWORD / REDISCLI_AUTH / MYSQL_PWD */
  passwords: { postgres?: string; redis?: string; mysql?: string };
}

/** One connection's replay, built (and validated) before anything is sent. */
export interface Plan {
  conn: number;
  kind: ReplayKind;
  /** capture time of the connection's open, for --pace recorded */
  start: number;
  run(settings: ReplaySettings, onCompare: (c: Comparison) => void): Promise<void>;
}
