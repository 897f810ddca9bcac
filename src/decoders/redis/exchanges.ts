// Redis exchanges: each command with its reply (pipelines pair through the Session FIFO; inside
// MULTI each command's `QUEUED`, then EXEC with the array of results), and every push (pub/sub
// message, invalidation, RESP3 subscribe confirmation, MONITOR line) as an exchange of its own
// with request.kind 'push'. Replies are rendered as redis-cli prints them (render.ts).
//
// Memory: a command's request half waits in the FIFO until its reply; what waits is capped per
// connection (RETAIN bytes of arguments), past which requests keep only their one-line text.

import type { ExchangeRequest, ExchangeResponse, TxnState } from '../../events.js';
import type { ExchangeDraft } from '../decoder.js';
import type { ParsedCommand } from './command-args.js';
import { errorOf, pushSummary } from './format.js';
import { oneLine } from '../summary-text.js';
import { renderReply } from './render.js';
import type { RespNode } from './resp-node.js';
import type { Pending } from './session.js';

/** argument bytes kept for requests still waiting for their reply, per connection */
const RETAIN = 4 * 1024 * 1024;
/** replies kept for one command answered many times (SUBSCRIBE with many channels) */
const MAX_PARTS = 16;

const isError = (n: RespNode): boolean => n.k === '-' || n.k === '!';

/** the rendering on one line: line breaks and the indentation after them become one space */
const flat = (reply: string): string =>
  oneLine(reply.includes('\n') ? reply.replace(/\s*\n\s*/g, ' ') : reply);

export class Exchanges {
  private retained = 0;
  /** MULTI seen and not yet ended by EXEC / DISCARD / RESET */
  private multi = false;
  private failed = false;

  /** the request half of a command, attached to its FIFO entry */
  attach(p: Pending, cmd: ParsedCommand, text: string): void {
    const request: ExchangeRequest = { text, kind: 'command' };
    let size = 0;
    for (const a of cmd.args) size += a.length;
    if (this.retained + size <= RETAIN) {
      request.command = cmd.args;
      this.retained += size;
      p.size = size;
    }
    if (cmd.truncated || cmd.argc > cmd.args.length || !request.command) request.truncated = true;
    p.request = request;
  }

  /** a reply to `p`; an exchange when it was the command's last reply */
  reply(p: Pending, v: RespNode, done: boolean, time: number): ExchangeDraft | undefined {
    const rendered = renderReply(v);
    if (!done) {
      p.parts ??= [];
      if (p.parts.length < MAX_PARTS) p.parts.push(rendered);
      return undefined;
    }
    this.retained -= p.size ?? 0;
    const parts = p.parts ? [...p.parts, rendered] : [rendered];
    const reply = parts.join('\n');
    const response: ExchangeResponse = { text: flat(reply), reply };
    if (isError(v)) {
      const e = errorOf(v);
      response.error = { code: e.code ?? 'ERR', message: e.message };
    }
    const draft: ExchangeDraft = {
      start: p.time,
      latencyMs: Math.max(0, time - p.time),
      request: p.request ?? { text: p.name, kind: 'command' },
      response,
    };
    if (response.error) draft.level = 40;
    const txn = this.txn(p.lower, v);
    if (txn) draft.txn = txn;
    return draft;
  }

  /** a value the server sent on its own */
  push(v: RespNode, time: number, monitor: boolean): ExchangeDraft {
    const text = monitor ? oneLine(v.text ?? '') : pushSummary(v);
    const reply = renderReply(v);
    return {
      start: time,
      request: { text, kind: 'push' },
      response: { text: flat(reply), reply },
    };
  }

  /** a command the server never answered (it closed the connection) */
  unanswered(p: Pending): ExchangeDraft {
    return { start: p.time, request: p.request ?? { text: p.name }, incomplete: true };
  }

  /** transaction state after a reply: only around MULTI ... EXEC, where Redis has one */
  private txn(lower: string, v: RespNode): TxnState | undefined {
    if (lower === 'multi' && !isError(v)) {
      this.multi = true;
      this.failed = false;
      return 'in';
    }
    if (!this.multi) return undefined;
    if (lower === 'exec' || lower === 'discard' || lower === 'reset') {
      this.multi = false;
      return 'idle';
    }
    // a command refused while queueing makes EXEC abort (EXECABORT)
    if (isError(v)) this.failed = true;
    return this.failed ? 'failed' : 'in';
  }
}
