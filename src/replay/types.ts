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
  /** --secret NAME=VALUE: values for what the capture redacted, by name (`redis.requirepass`,
   * `redis.acl.bob`; docs/replay.md lists the names). A plan fills a masked value from here. */
  secrets?: Record<string, string>;
  /** --skip-redacted: leave out the requests whose redacted values were not given */
  skipRedacted?: boolean;
}

/** One connection's replay, built (and validated) before anything is sent. */
export interface Plan {
  conn: number;
  kind: ReplayKind;
  /** capture time of the connection's open, for --pace recorded */
  start: number;
  /** requests that carry a redacted value (a mask in the capture): replay refuses to send any
   * of them as captured, and exits 2 before connecting, naming them (CONTRACT.md) unless the
   * user supplied the value or left them out */
  redacted?: RedactedRequest[];
  /** the plan itself leaves out its `redacted` requests when settings.skipRedacted is set (the
   * engine then reports them as skipped); a plan without it is skipped whole instead */
  skipsRedacted?: boolean;
  /** requests the plan will send, when known before connecting (0: nothing to replay) */
  requests?: number;
  run(settings: ReplaySettings, onCompare: (c: Comparison) => void): Promise<void>;
}

export interface RedactedRequest {
  conn: number;
  /** 1-based position of the request in its connection, as in Comparison.index */
  index: number;
  /** one line naming the request, the secret shown as REDACTED: `CONFIG SET requirepass REDACTED` */
  request: string;
  /** what would let it be sent: `--secret redis.requirepass=VALUE`, `--header Authorization=...` */
  hint: string;
}
