// Redis for faults: the decoder's RequestReader frames commands (RESP multibulk or inline), its
// RespReader counts the server's replies (RESP3 pushes are not answers). An injected error is an
// error line, `-BUSY ...`, `-LOADING ...`, `-READONLY ...`. Once a connection subscribes, turns
// replies off or monitors, answers no longer pair with commands: injected answers then go out at
// once.

import { ByteQueue } from '../../decoders/byte-queue.js';
import { RequestReader } from '../../decoders/redis/request.js';
import { RespReader } from '../../decoders/redis/resp.js';
import type { Attributes } from '../toxics.js';
import type { Adapter, ServerMarks, Unit } from './adapter.js';

const KEEP = 64 * 1024;
const UNPAIRED = new Set(['subscribe', 'psubscribe', 'ssubscribe', 'monitor']);
const DEFAULT_ERROR =
  'BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE. (injected by looptap)';

export class RedisAdapter implements Adapter {
  readonly protocol = 'redis' as const;
  countsAnswers = true;
  private readonly cq = new ByteQueue();
  private readonly sq = new ByteQueue();
  private readonly reader = new RequestReader(this.cq, KEEP, true, () => {});
  private readonly replies = new RespReader(this.sq, 256, () => {});
  private unitStart = 0;

  get lost(): boolean {
    return this.reader.failed !== undefined || this.replies.failed !== undefined;
  }

  get partialHoldable(): boolean {
    return this.cq.length > 0 || !this.reader.idle;
  }

  client(chunk: Buffer): Unit[] {
    if (this.lost) return [];
    this.cq.push(chunk);
    const units: Unit[] = [];
    for (let cmd = this.reader.next(); cmd; cmd = this.reader.next()) {
      const end = this.cq.offset;
      const name = cmd.lower[0] ?? '';
      if (UNPAIRED.has(name) || (name === 'client' && cmd.lower[1] === 'reply')) {
        this.countsAnswers = false;
      }
      units.push({
        start: this.unitStart,
        end,
        answers: 1,
        request: { text: cmd.args.join(' ').slice(0, 300), kind: 'command', command: cmd.args },
      });
      this.unitStart = end;
    }
    return units;
  }

  server(chunk: Buffer): ServerMarks {
    const marks: ServerMarks = { answers: [], rows: [] };
    if (this.lost) return marks;
    this.sq.push(chunk);
    for (let n = this.replies.next(); n; n = this.replies.next()) {
      if (n.k !== '>') marks.answers.push(this.sq.offset);
    }
    return marks;
  }

  errorReply(attrs: Attributes): Buffer {
    const code = String(attrs.code ?? '').trim();
    const message = String(attrs.message ?? '').trim();
    const text = code ? `${code} ${message || 'injected by looptap'}` : message || DEFAULT_ERROR;
    return Buffer.from(`-${text.replace(/[\r\n]+/g, ' ')}\r\n`, 'utf8');
  }
}
