// The frontend operations waiting for their answers, oldest first. Simple queries and extended
// (pipelined) batches share it: the backend's completion messages pop what they answer, an error
// under the extended protocol pops the failed op and everything up to the next Sync (the server
// skips them), and ReadyForQuery pops through its Sync/Query. Bounded: the oldest are dropped.

import type { Cycle, PgExchange, Portal, Statement } from './exchange.js';

export type OpKind =
  | 'Startup'
  | 'Query'
  | 'FunctionCall'
  | 'Parse'
  | 'Bind'
  | 'Describe'
  | 'Execute'
  | 'Close'
  | 'Sync';

export interface Op {
  kind: OpKind;
  /** arrival time of the op's first byte */
  time: number;
  /** the exchange this op asks for (Query, Execute, FunctionCall) */
  x?: PgExchange;
  /** what a Parse prepared, a Bind bound, a Describe asked about */
  target?: Statement | Portal;
  /** the extended-protocol cycle the op belongs to (shared up to its Sync) */
  cycle?: Cycle;
  /** bytes of SQL and parameters the op keeps alive until it is answered */
  weight?: number;
}

const MAX_OPS = 10000;
/** what all waiting ops may keep alive together (SQL, parameters) */
const MAX_WEIGHT = 16 * 1024 * 1024;

/** ops that a ReadyForQuery completes */
const SYNC_POINTS = new Set<OpKind>(['Sync', 'Query', 'Startup', 'FunctionCall']);

export class PendingOps {
  /** answered ops are cleared from their slot: one kept past its answer (with its exchange, rows
   * and SQL) outlived two young-generation GCs and had to be collected from the old generation
   * (pgbench -S: 4x the full GCs, +2.5 KB promoted per query) */
  private ops: Array<Op | undefined> = [];
  private head = 0;
  private weight = 0;

  get size(): number {
    return this.ops.length - this.head;
  }

  add(kind: OpKind, time: number, extra?: Partial<Op>): void {
    // one object shape for every op keeps this hot path monomorphic
    const op: Op = {
      kind,
      time,
      x: extra?.x,
      target: extra?.target,
      cycle: extra?.cycle,
      weight: extra?.weight ?? 0,
    };
    this.ops.push(op);
    this.weight += op.weight!;
    // a client pipelining far ahead of its server: the oldest ops lose their answers' timing
    while (this.size > MAX_OPS || (this.weight > MAX_WEIGHT && this.size > 1)) this.shift();
    if (this.head > 1024 && this.head * 2 > this.ops.length) {
      this.ops = this.ops.slice(this.head);
      this.head = 0;
    }
  }

  peek(): Op | undefined {
    return this.ops[this.head];
  }

  shift(): Op | undefined {
    const op = this.ops[this.head];
    if (op) {
      this.ops[this.head++] = undefined;
      this.weight -= op.weight ?? 0;
    }
    return op;
  }

  /** pop the head if it is of `kind` */
  popIf(kind: OpKind): Op | undefined {
    return this.peek()?.kind === kind ? this.shift() : undefined;
  }

  /** ReadyForQuery: pop through the first sync point; returns it */
  popThroughSync(): Op | undefined {
    for (let op = this.shift(); op; op = this.shift()) if (SYNC_POINTS.has(op.kind)) return op;
    return undefined;
  }

  /** after an extended-protocol error: pop the ops the server skips, up to (not including) the
   * next Sync or Query; `reachedSync` is false when the Sync has not been sent yet */
  skipToSync(): { skipped: Op[]; reachedSync: boolean } {
    const skipped: Op[] = [];
    for (let op = this.peek(); op; op = this.peek()) {
      if (op.kind === 'Sync' || op.kind === 'Query') return { skipped, reachedSync: true };
      skipped.push(op);
      this.shift();
    }
    return { skipped, reachedSync: false };
  }

  /** every op still waiting, oldest first (the connection ended) */
  drain(): Op[] {
    const left = this.ops.slice(this.head) as Op[];
    this.ops = [];
    this.head = 0;
    this.weight = 0;
    return left;
  }
}
