// One PostgreSQL exchange while it is being answered, and how it becomes an ExchangeDraft. The
// statements and portals it refers to are objects, not names: a pipelining client may already
// have re-bound the unnamed portal when the answer to the previous one arrives.

import type { ExchangeDraft } from '../decoder.js';
import type { ExchangeRequest, ExchangeResponse, TxnState } from '../../events.js';
import { oneLine } from '../summary-text.js';
import { LINE_MAX } from './codes.js';
import type { Field } from './values.js';
import { paramValues, rowValues } from './values.js';

export interface Statement {
  name: string;
  /** undefined when the Parse was not seen (the capture started later) */
  sql?: string;
  truncated: boolean;
  /** parameter type OIDs: from Parse, replaced by a ParameterDescription */
  types: number[];
  /** `sql` on one line, at most 300 characters (the Query/Parse message summary's) */
  text?: string;
  /** result columns from a Describe of the statement (formats not yet known: all 0) */
  fields?: Field[];
  time: number;
}

/** already one line of at most 300 characters: oneLine would not change it */
const FLAT = /^(?=.{0,300}$)[^\s]*(?: [^\s]+)*$/;

export interface Portal {
  statement: Statement;
  formats: number[];
  values: Array<Buffer | null>;
  /** params were cut at maxValue */
  cut: boolean;
  resultFormats: number[];
  /** result columns from a Describe of the portal */
  fields?: Field[];
}

/** the extended-protocol messages a client sent since its last Sync */
export interface Cycle {
  parses: Statement[];
  executes: number;
  /** an error was reported for this cycle already */
  failed: boolean;
}

interface Result {
  text: string;
  tag?: string;
  rows?: number;
  fields?: Field[];
  values: unknown[][];
  count: number;
}

export interface Limits {
  maxRows: number;
  maxValue: number;
}

export class PgExchange {
  results: Result[] = [];
  cur?: Result;
  error?: { code: string; message: string };
  end?: number;
  bytes?: number;
  copy = false;
  done = false;

  constructor(
    public kind: string,
    readonly start: number,
    readonly statement: Statement | undefined,
    readonly portal?: Portal,
    readonly label?: string,
  ) {}

  /** the columns the next rows are in: described for this exchange, or its portal/statement */
  private resolve(): Field[] | undefined {
    const p = this.portal;
    if (!p) return undefined;
    if (p.fields) return p.fields;
    const f = p.statement.fields;
    const rf = p.resultFormats;
    return f?.map((c, i) => ({ ...c, format: rf.length === 1 ? rf[0]! : (rf[i] ?? 0) }));
  }

  columns(fields: Field[]): void {
    this.cur = { text: '', fields, values: [], count: 0 };
  }

  wantsValues(lim: Limits): boolean {
    return (this.cur?.values.length ?? 0) < lim.maxRows;
  }

  row(body: Buffer, lim: Limits): void {
    this.cur ??= { text: '', fields: this.resolve(), values: [], count: 0 };
    this.cur.count++;
    if (this.cur.values.length < lim.maxRows && body.length > 0) {
      this.cur.values.push(rowValues(body, this.cur.fields, lim.maxValue));
    }
  }

  /** CommandComplete, EmptyQueryResponse, PortalSuspended, FunctionCallResponse */
  complete(text: string, tag: string | undefined, rows: number | undefined, time: number): void {
    const r = this.cur ?? { text, values: [], count: 0 };
    r.text = text;
    r.tag = tag;
    r.rows = rows ?? (r.count > 0 || r.fields ? r.count : undefined);
    this.results.push(r);
    this.cur = undefined;
    this.end = time;
  }

  fail(error: Record<string, string | number>, time: number): void {
    this.error = { code: String(error.code ?? ''), message: String(error.message ?? '') };
    this.cur = undefined;
    this.end = time;
  }

  draft(lim: Limits, txn?: TxnState, incomplete = false): ExchangeDraft {
    const d: ExchangeDraft = { start: this.start, request: this.request(lim) };
    const response = this.response();
    if (response) d.response = response;
    if (this.end !== undefined) d.latencyMs = Math.max(0, this.end - this.start);
    if (txn) d.txn = txn;
    if (incomplete) d.incomplete = true;
    if (this.error) d.level = 40;
    return d;
  }

  private request(lim: Limits): ExchangeRequest {
    const s = this.statement;
    const sql = s?.sql;
    const kind = this.copy && this.kind === 'query' ? 'copy' : this.kind;
    // flattened once per statement, however often it is executed
    if (s && sql !== undefined) s.text ??= oneLine(sql, LINE_MAX);
    const text = s?.text ?? this.label ?? kind;
    const req: ExchangeRequest = { text, kind };
    if (sql !== undefined) req.sql = sql;
    if (s && s.name !== '') req.statement = s.name;
    const p = this.portal;
    if (p && p.values.length > 0) {
      req.params = paramValues(p.values, p.formats, s?.types ?? [], lim.maxValue);
    }
    if (s?.truncated || p?.cut) req.truncated = true;
    return req;
  }

  private response(): ExchangeResponse | undefined {
    const rs = this.results;
    if (rs.length === 0 && !this.error) {
      if (this.kind !== 'prepare' || this.end === undefined) return undefined;
      return { text: 'prepared' };
    }
    const parts = rs.map((r) => r.text);
    if (this.error) parts.push(`ERROR ${this.error.code} ${this.error.message}`);
    const joined = parts.length === 1 ? parts[0]! : parts.join('; ');
    const res: ExchangeResponse = { text: FLAT.test(joined) ? joined : oneLine(joined, LINE_MAX) };
    const last = rs[rs.length - 1];
    if (last?.tag) res.tag = last.tag;
    const counted = rs.filter((r) => r.rows !== undefined);
    if (counted.length > 0) res.rows = counted.reduce((n, r) => n + r.rows!, 0);
    const withRows = rs.find((r) => r.fields);
    if (withRows) {
      res.columns = withRows.fields!.map((f) => f.name);
      res.values = withRows.values;
      if (withRows.count > withRows.values.length) res.rowsTruncated = true;
    }
    if (this.error) res.error = this.error;
    if (this.bytes !== undefined) res.bytes = this.bytes;
    return res;
  }
}
