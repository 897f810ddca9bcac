// Pairs replies with commands. Redis answers in order, one reply per command, so a FIFO does
// it, with these exceptions kept here:
//   - RESP3 `>` pushes never consume the FIFO (pub/sub messages, invalidations, and in RESP3 the
//     subscribe/unsubscribe confirmations too);
//   - RESP2 (P|S)SUBSCRIBE a b answers once per channel; UNSUBSCRIBE without arguments once per
//     subscribed channel; message/pmessage/smessage arrays while subscribed are pushes;
//   - MONITOR: +OK, then an endless stream of `+<ts> [db addr] "cmd" ...` lines;
//   - CLIENT REPLY OFF|SKIP: no reply for it (and for what follows / the next command);
//   - HELLO 2|3 switches the protocol (reverted if it fails), RESET goes back to RESP2.

import type { ExchangeRequest } from '../../events.js';
import type { ParsedCommand } from './command-args.js';
import type { RespNode } from './resp-node.js';

/** commands in flight kept at most (a server that never answers must not grow memory) */
const MAX_PENDING = 65536;
const MONITOR_LINE = /^\d+\.\d+ \[/;
const SUBSCRIBE_KINDS = new Set([
  'subscribe',
  'psubscribe',
  'ssubscribe',
  'unsubscribe',
  'punsubscribe',
  'sunsubscribe',
]);
const MESSAGE_KINDS = new Set(['message', 'pmessage', 'smessage']);

export interface Pending {
  /** upper-case command name, for the reply's `request` field */
  name: string;
  lower: string;
  time: number;
  /** replies still expected */
  replies: number;
  /** HELLO: the protocol before it, restored if it fails */
  prevProto?: number;
  configGet?: boolean;
  /** the exchange's request half, set by the decoder */
  request?: ExchangeRequest;
  /** bytes of `request` the decoder counts against its retention budget */
  size?: number;
  /** replies rendered so far, for commands answered more than once (SUBSCRIBE a b) */
  parts?: string[];
}

export type ReplyKind = 'reply' | 'push' | 'monitor';

export class Session {
  proto = 2;
  private fifo: Pending[] = [];
  private head = 0;
  private monitoring = false;
  private replyMode: 'on' | 'off' | 'skip' = 'on';
  /** subscriptions by kind, from the counts in the confirmations */
  private channels = 0;
  private patterns = 0;
  private shards = 0;

  get subscribed(): boolean {
    return this.channels + this.patterns + this.shards > 0;
  }

  /** the oldest command still waiting for a reply */
  peek(): Pending | undefined {
    return this.fifo[this.head];
  }

  /** the command's pending entry, or undefined when no reply will come for it */
  command(cmd: ParsedCommand): Pending | undefined {
    const [name = '', sub = '', third = ''] = cmd.lower;
    const p: Pending = {
      name: (cmd.args[0] ?? '').toUpperCase(),
      lower: name,
      time: cmd.time,
      replies: 1,
    };
    if (name === 'client' && sub === 'reply') {
      if (third === 'off' || third === 'skip') {
        this.replyMode = third;
        return undefined;
      }
      if (third === 'on') this.replyMode = 'on';
    } else if (this.replyMode === 'off') return undefined;
    else if (this.replyMode === 'skip') {
      this.replyMode = 'on';
      return undefined;
    }
    if (SUBSCRIBE_KINDS.has(name)) {
      // RESP3: the confirmations are pushes
      if (this.proto === 3 && (cmd.argc > 1 || name.endsWith('unsubscribe'))) return undefined;
      if (cmd.argc > 1) p.replies = cmd.argc - 1;
      else if (name.endsWith('unsubscribe')) {
        const n = name[0] === 'p' ? this.patterns : name[0] === 's' ? this.shards : this.channels;
        p.replies = Math.max(1, n);
      }
    } else if (name === 'hello' && (sub === '2' || sub === '3')) {
      p.prevProto = this.proto;
      this.proto = Number(sub);
    } else if (name === 'config' && sub === 'get') p.configGet = true;
    this.fifo.push(p);
    if (this.fifo.length - this.head > MAX_PENDING) this.head++;
    if (this.head > 1024 && this.head * 2 > this.fifo.length) {
      this.fifo = this.fifo.slice(this.head);
      this.head = 0;
    }
    return p;
  }

  /** the commands still waiting, oldest first, removed: the server went away */
  drain(): Pending[] {
    const left = this.fifo.slice(this.head);
    this.fifo = [];
    this.head = 0;
    return left;
  }

  /** what a top-level value from the server is, and the command it answers (consumed) */
  /** `done`: the pending command got its last reply */
  reply(n: RespNode): { kind: ReplyKind; pending?: Pending; done?: boolean } {
    const first = n.items?.[0]?.text?.toLowerCase();
    if (n.k === '>') {
      if (first && SUBSCRIBE_KINDS.has(first)) this.countSubs(first, n);
      return { kind: 'push' };
    }
    if (this.monitoring && n.k === '+' && MONITOR_LINE.test(n.text ?? ''))
      return { kind: 'monitor' };
    const p = this.fifo[this.head];
    if (n.k === '*' && first) {
      if (MESSAGE_KINDS.has(first) && (this.subscribed || (p && SUBSCRIBE_KINDS.has(p.lower)))) {
        return { kind: 'push' };
      }
      if (SUBSCRIBE_KINDS.has(first)) this.countSubs(first, n);
    }
    if (!p) return { kind: 'reply' };
    const error = n.k === '-' || n.k === '!';
    const done = --p.replies <= 0 || error;
    if (done) this.head++;
    if (this.head === this.fifo.length) {
      this.fifo = [];
      this.head = 0;
    }
    if (p.prevProto !== undefined && error) this.proto = p.prevProto;
    if (!error) {
      if (p.lower === 'monitor') this.monitoring = true;
      else if (p.lower === 'reset') {
        this.proto = 2;
        this.monitoring = false;
        this.replyMode = 'on';
        this.channels = this.patterns = this.shards = 0;
      }
    }
    return { kind: 'reply', pending: p, done };
  }

  /** `subscribe news 1`: the third item is the subscription count after it */
  private countSubs(kind: string, n: RespNode): void {
    const count = Number(n.items?.[2]?.text);
    if (!Number.isFinite(count)) return;
    const total = this.channels + this.patterns;
    const up = kind.endsWith('unsubscribe') ? -1 : 1;
    if (kind[0] === 's' && kind !== 'subscribe') this.shards = count;
    else if (up > 0 ? count > total : count < total) {
      if (kind[0] === 'p') this.patterns = Math.max(0, this.patterns + up);
      else this.channels = Math.max(0, this.channels + up);
    }
    if (count === 0 && kind[0] !== 's') this.channels = this.patterns = 0;
  }
}
