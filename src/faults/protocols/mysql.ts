// MySQL/MariaDB for faults: the decoder's PacketFramer on the client side. A client packet with
// sequence id 0 starts a command (handshake packets never have 0), so no phase tracking is
// needed; COM_QUERY and COM_STMT_PREPARE carry the SQL a toxic matches. An injected error is an
// ERR packet (0xff, error code, '#', SQL state, message) with the next sequence id. The protocol
// never pipelines, so answers are not counted. Compressed and TLS connections are not followed.

import { PacketFramer } from '../../decoders/mysql/packets.js';
import { CAP, isSslRequest, parseGreeting } from '../../decoders/mysql/handshake.js';
import { COM, querySqlOffset, type Ctx } from '../../decoders/mysql/commands.js';
import type { Attributes } from '../toxics.js';
import { EMPTY_MARKS, type Adapter, type ServerMarks, type Unit } from './adapter.js';

const KEEP = 64 * 1024;

export class MysqlAdapter implements Adapter {
  readonly protocol = 'mysql' as const;
  readonly countsAnswers = false;
  lost = false;
  private readonly framer = new PacketFramer();
  private readonly ctx: Ctx = {
    caps: 0,
    maxValue: KEEP,
    // the adapter only needs the command and its SQL to match a fault, never result values
    maxRows: 0,
    redact: true,
    stmts: new Map(),
    lastStmtId: undefined,
  };
  private unitStart = 0;
  private seqOf = new Map<number, number>();
  /** the server's greeting capabilities: a client flag counts only when both have it */
  private serverCaps: number | undefined;
  private readonly greeting = new PacketFramer();

  get partialHoldable(): boolean {
    return !this.framer.idle;
  }

  client(chunk: Buffer): Unit[] {
    if (this.lost) return [];
    this.framer.push(chunk, 0);
    const units: Unit[] = [];
    const plan = (seq: number, first: number): number =>
      seq === 0 && (first === COM.QUERY || first === COM.STMT_PREPARE) ? KEEP : seq === 1 ? 36 : 0;
    for (let p = this.framer.next(plan); p; p = this.framer.next(plan)) {
      const unit: Unit = { start: this.unitStart, end: p.end, answers: 0 };
      this.unitStart = p.end;
      if (p.seq === 1 && this.ctx.caps === 0 && p.data.length >= 4) {
        const caps = p.data.readUInt32LE(0) & (this.serverCaps ?? 0xffffffff);
        if (caps & CAP.COMPRESS || isSslRequest(p.data, p.length)) this.lost = true;
        this.ctx.caps = caps;
      }
      if (p.seq === 0 && (p.data[0] === COM.QUERY || p.data[0] === COM.STMT_PREPARE)) {
        const at = p.data[0] === COM.QUERY ? querySqlOffset(p.data, this.ctx) : 1;
        if (at !== undefined) {
          const sql = p.data.toString('utf8', at);
          unit.request = {
            text: sql.replace(/\s+/g, ' ').trim().slice(0, 300),
            kind: p.data[0] === COM.QUERY ? 'query' : 'prepare',
            sql,
          };
          this.seqOf.set(unit.end, p.seq);
        }
      }
      units.push(unit);
      if (this.lost) break;
    }
    return units;
  }

  server(chunk: Buffer): ServerMarks {
    if (this.serverCaps === undefined && !this.lost) {
      this.greeting.push(chunk, 0);
      const p = this.greeting.next(() => 512);
      if (p) {
        const g = parseGreeting(p.data, 256);
        this.serverCaps = 'why' in g ? 0xffffffff : g.greeting.caps;
      }
    }
    return EMPTY_MARKS;
  }

  errorReply(attrs: Attributes, unit: Unit): Buffer {
    const code = Number(attrs.code) || 1213;
    const state = String(attrs.sqlstate || '40001');
    const message = String(
      attrs.message ||
        'Deadlock found when trying to get lock; try restarting transaction (injected by looptap)',
    );
    const seq = ((this.seqOf.get(unit.end) ?? 0) + 1) & 0xff;
    this.seqOf.delete(unit.end);
    const payload = Buffer.concat([
      Buffer.from([0xff, code & 0xff, (code >> 8) & 0xff]),
      Buffer.from(`#${state}`, 'latin1'),
      Buffer.from(message, 'utf8'),
    ]);
    const head = Buffer.alloc(4);
    head.writeUIntLE(payload.length, 0, 3);
    head[3] = seq;
    return Buffer.concat([head, payload]);
  }
}
