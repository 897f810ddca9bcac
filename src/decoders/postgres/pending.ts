// The frontend operations waiting for their answers, oldest first. Simple queries and extended
// (pipelined) batches share it: the backend's completion messages pop what they answer, an error
// under the extended protocol pops the failed op and everything up to the next Sync (the server
// skips them), and ReadyForQuery pops through its Sync/Query. Bounded: the oldest are dropped.

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
}

const MAX_OPS = 10000;

/** ops that a ReadyForQuery completes */
const SYNC_POINTS = new Set<OpKind>(['Sync', 'Query', 'Startup', 'FunctionCall']);

export class PendingOps {
  private ops: Op[] = [];
  private head = 0;

  get size(): number {
    return this.ops.length - this.head;
  }

  add(kind: OpKind, time: number): void {
    this.ops.push({ kind, time });
    if (this.size > MAX_OPS) this.head++;
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
    if (op) this.head++;
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
  skipToSync(): { skipped: OpKind[]; reachedSync: boolean } {
    const skipped: OpKind[] = [];
    for (let op = this.peek(); op; op = this.peek()) {
      if (op.kind === 'Sync' || op.kind === 'Query') return { skipped, reachedSync: true };
      skipped.push(op.kind);
      this.shift();
    }
    return { skipped, reachedSync: false };
  }
}
