// Turns frontend requests and backend answers into exchanges (docs/decoders/postgres.md,
// "Exchanges"). A simple Query is one exchange (all its statements' results, up to its
// ReadyForQuery); under the extended protocol each Execute is one, its SQL taken from the Parse of
// its statement, and a Parse that no Execute follows before Sync is a 'prepare' exchange. The
// exchanges of one Sync are reported at its ReadyForQuery, which gives their transaction state.
// An error is reported at its ErrorResponse: the server flushes that message on its own and node-pg
// rejects the query on it, before ReadyForQuery arrives, so waiting for ReadyForQuery would let a
// test read the log without the error its client already holds. The state after an error is
// known then when the connection was (or was not) in a transaction block; where it is not (a
// ROLLBACK tag that may have been a ROLLBACK TO SAVEPOINT, a failing statement that ends the
// block), the exchange waits for ReadyForQuery as before.
// The client side registers statements and portals as it sends them; the connection hands the
// answering op (pending.ts) to the server-side methods.

import type { DecoderOptions, ExchangeDraft } from '../decoder.js';
import type { TxnState } from '../../events.js';
import type { Cycle, Limits, Portal, Statement } from './exchange.js';
import { PgExchange } from './exchange.js';
import type { Op } from './pending.js';
import type { Field } from './values.js';

const MAX_STATEMENTS = 1000;
/** the SQL text all statements kept may hold together (each is cut at maxValue already) */
const MAX_STATEMENT_CHARS = 2 * 1024 * 1024;
const MAX_PORTALS = 100;
/** exchanges waiting for their Sync's ReadyForQuery; beyond this they go out without txn */
const MAX_BATCH = 256;

const TXN: Record<string, TxnState> = { I: 'idle', T: 'in', E: 'failed' };

/** statements whose failure may end the transaction block rather than fail it */
const ENDS_BLOCK = /(^|;)\s*(commit|end|rollback|abort|prepare\s+transaction)\b/i;

function cap<V>(m: Map<string, V>, max: number): void {
  if (m.size > max) m.delete(m.keys().next().value!);
}

const newCycle = (): Cycle => ({ parses: [], executes: 0, failed: false });

export class Exchanges {
  readonly lim: Limits;
  private statements = new Map<string, Statement>();
  private statementChars = 0;
  private portals = new Map<string, Portal>();
  private cycle = newCycle();
  /** first byte of the extended request now being sent (its first Parse or Bind) */
  private reqStart: number | undefined;
  private batch: PgExchange[] = [];
  private out: ExchangeDraft[] = [];
  /** the exchange whose COPY is running */
  private copying: PgExchange | undefined;
  /** in a transaction block, by the last ReadyForQuery and the tags since; undefined: not known */
  private block: boolean | undefined;

  constructor(opts: DecoderOptions) {
    this.lim = { maxRows: opts.maxRows ?? 20, maxValue: opts.maxValue };
  }

  get pending(): boolean {
    return this.out.length > 0;
  }

  take(): ExchangeDraft[] | undefined {
    if (this.out.length === 0) return undefined;
    const out = this.out;
    this.out = [];
    return out;
  }

  // ---- client side: called as each request arrives; the result is attached to its op

  query(sql: string, text: string | undefined, truncated: boolean, time: number): PgExchange {
    return new PgExchange('query', time, { name: '', sql, text, truncated, types: [], time });
  }

  functionCall(oid: number, time: number): PgExchange {
    return new PgExchange('function', time, undefined, undefined, `function oid ${oid}`);
  }

  parse(
    name: string,
    sql: string,
    text: string | undefined,
    truncated: boolean,
    types: number[],
    time: number,
  ): Statement {
    const s: Statement = { name, sql, text, truncated, types, time };
    this.forget(name);
    this.statements.set(name, s);
    this.statementChars += sql.length;
    // the oldest go first: a later Bind to one of them shows `execute NAME` without its SQL
    while (
      this.statements.size > 1 &&
      (this.statements.size > MAX_STATEMENTS || this.statementChars > MAX_STATEMENT_CHARS)
    ) {
      this.forget(this.statements.keys().next().value!);
    }
    if (this.cycle.parses.length < 100) this.cycle.parses.push(s);
    this.reqStart ??= time;
    return s;
  }

  bind(name: string, statement: string, p: Omit<Portal, 'statement'>, time: number): Portal {
    const portal: Portal = {
      statement: this.statement(statement, time),
      formats: p.formats,
      values: p.values,
      cut: p.cut,
      resultFormats: p.resultFormats,
    };
    this.portals.delete(name);
    this.portals.set(name, portal);
    cap(this.portals, MAX_PORTALS);
    this.reqStart ??= time;
    return portal;
  }

  describe(kind: 'statement' | 'portal', name: string): Statement | Portal | undefined {
    return kind === 'statement' ? this.statements.get(name) : this.portals.get(name);
  }

  close(kind: 'statement' | 'portal', name: string): void {
    if (kind === 'statement') this.forget(name);
    else this.portals.delete(name);
  }

  private forget(name: string): void {
    const old = this.statements.get(name);
    if (!old) return;
    this.statementChars -= old.sql?.length ?? 0;
    this.statements.delete(name);
  }

  execute(name: string, time: number): PgExchange {
    const portal = this.portals.get(name);
    const stmt = portal?.statement ?? this.statement('', time);
    const kind = this.cycle.parses.includes(stmt) ? 'extended' : 'execute';
    const label = `execute ${stmt.name === '' ? 'unnamed statement' : stmt.name}`;
    const x = new PgExchange(kind, this.reqStart ?? time, stmt, portal, label);
    this.reqStart = undefined;
    this.cycle.executes++;
    return x;
  }

  /** the cycle the client's ops since the last Sync belong to */
  get current(): Cycle {
    return this.cycle;
  }

  sync(): Cycle {
    const c = this.cycle;
    this.cycle = newCycle();
    this.reqStart = undefined;
    return c;
  }

  private statement(name: string, time: number): Statement {
    return this.statements.get(name) ?? { name, truncated: false, types: [], time };
  }

  // ---- server side

  /** RowDescription: for the Describe it answers, else for the simple query now answered */
  fields(fields: Field[], describe: Op | undefined, head: Op | undefined): void {
    if (describe) {
      if (describe.target) describe.target.fields = fields;
    } else head?.x?.columns(fields);
  }

  /** ParameterDescription answers a Describe of a statement: the real parameter types */
  paramTypes(types: number[], head: Op | undefined): void {
    const t = head?.kind === 'Describe' ? head.target : undefined;
    if (t && 'types' in t) t.types = types;
  }

  wantsRow(head: Op | undefined): boolean {
    return head?.x?.wantsValues(this.lim) ?? false;
  }

  row(head: Op | undefined, body: Buffer): void {
    head?.x?.row(body, this.lim);
  }

  copyStart(head: Op | undefined): void {
    const x = head?.x;
    if (!x) return;
    x.copy = true;
    this.copying = x;
  }

  copied(bytes: number): void {
    if (this.copying) this.copying.bytes = (this.copying.bytes ?? 0) + bytes;
  }

  /** CommandComplete & co: an Execute's exchange is done (its txn comes with the Sync) */
  complete(
    op: Op | undefined,
    text: string,
    tag: string | undefined,
    rows: number | undefined,
    time: number,
  ): void {
    const x = op?.x;
    if (!x) return;
    x.complete(text, tag, rows, time);
    this.track(tag);
    if (this.copying === x) this.copying = undefined;
    if (op.kind === 'Execute') this.finish(x);
  }

  /** the block state a command tag leaves (ROLLBACK inside a block may be TO SAVEPOINT) */
  private track(tag: string | undefined): void {
    if (tag === 'BEGIN' || tag === 'START TRANSACTION') this.block = true;
    else if (tag === 'COMMIT' || tag === 'PREPARE TRANSACTION') this.block = false;
    else if (tag === 'ROLLBACK') this.block = this.block === false ? false : undefined;
  }

  /** ErrorResponse for `op` (the failed one) and the ops the server skipped after it */
  error(err: Record<string, string | number>, op: Op | undefined, skipped: Op[], time: number) {
    if (!op) return;
    this.copying = undefined;
    if (op.kind === 'Query' || op.kind === 'FunctionCall') {
      if (!op.x) return;
      op.x.fail(err, time);
      return this.reportFailed([op.x]);
    }
    if (op.kind === 'Sync') {
      // the implicit COMMIT at Sync failed: it belongs to the cycle's last statement
      const last = this.batch[this.batch.length - 1];
      if (last && !last.error) last.fail(err, time);
      else this.prepareFailed(op, err, time);
      return this.reportFailed(this.batch);
    }
    if (op.kind === 'Startup') return;
    const exec = [op, ...skipped].find((o) => o.kind === 'Execute' && o.x);
    if (exec) {
      exec.x!.fail(err, time);
      this.finish(exec.x!);
    } else this.prepareFailed(op, err, time);
    if (op.cycle) op.cycle.failed = true;
    this.reportFailed(this.batch);
  }

  /** report `xs` (the failed exchange last) now, with the state the error leaves, when that
   * state is certain */
  private reportFailed(xs: PgExchange[]): void {
    const sql = xs[xs.length - 1]?.statement?.sql ?? '';
    if (this.block === undefined || ENDS_BLOCK.test(sql)) return;
    const txn: TxnState = this.block ? 'failed' : 'idle';
    for (const x of xs) {
      x.done = true;
      this.out.push(x.draft(this.lim, txn));
    }
    if (xs === this.batch) this.batch = [];
  }

  private prepareFailed(op: Op, err: Record<string, string | number>, time: number): void {
    const t = op.target;
    const stmt = t ? ('statement' in t ? t.statement : t) : undefined;
    const x = new PgExchange('prepare', stmt?.time ?? op.time, stmt, undefined, 'Sync');
    x.fail(err, time);
    this.finish(x);
  }

  /** ReadyForQuery after `op` (the Query, FunctionCall or Sync it completes) */
  ready(op: Op | undefined, status: string, time: number): void {
    const txn = TXN[status];
    this.block = txn === undefined ? undefined : txn !== 'idle';
    if (op?.x && !op.x.done) {
      op.x.end = time;
      op.x.done = true;
      this.out.push(op.x.draft(this.lim, txn));
    }
    const cycle = op?.kind === 'Sync' ? op.cycle : undefined;
    if (cycle && !cycle.failed && cycle.executes === 0) {
      for (const s of cycle.parses) {
        const x = new PgExchange('prepare', s.time, s);
        x.end = time;
        this.out.push(x.draft(this.lim, txn));
      }
    }
    for (const x of this.batch) this.out.push(x.draft(this.lim, txn));
    this.batch = [];
  }

  /** the connection ended: what is still pending goes out, unanswered ones as incomplete */
  ended(pending: Op[]): void {
    for (const x of this.batch) this.out.push(x.draft(this.lim));
    this.batch = [];
    for (const op of pending) {
      const x = op.x;
      if (!x || x.done) continue;
      x.done = true;
      this.out.push(x.draft(this.lim, undefined, true));
    }
  }

  private finish(x: PgExchange): void {
    x.done = true;
    this.batch.push(x);
    if (this.batch.length >= MAX_BATCH) {
      for (const b of this.batch) this.out.push(b.draft(this.lim));
      this.batch = [];
    }
  }
}
