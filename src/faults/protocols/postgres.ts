// PostgreSQL for faults: the decoder's Framer on both sides. A request is a simple Query, or the
// extended messages (Parse/Bind/Describe/Execute/Close) up to Sync or Flush; each Sync or Query
// is answered by one ReadyForQuery. An injected error is ErrorResponse (S, V, C = SQLSTATE, M)
// then ReadyForQuery with the status the server would give: 'E' inside a transaction. The
// server itself still thinks the transaction is fine, so until the client rolls back, looptap
// answers every request with 25P02 as the server would, and turns COMMIT into ROLLBACK (whose
// answer, tag ROLLBACK, is what a failed transaction's COMMIT gets).

import type { ExchangeRequest } from '../../events.js';
import { Framer, type FrameEvent } from '../../decoders/postgres/framing.js';
import { F, GSSENC_REQUEST, SSL_REQUEST } from '../../decoders/postgres/codes.js';
import type { Attributes } from '../toxics.js';
import type { Adapter, Override, ServerMarks, Unit } from './adapter.js';

const KEEP = 64 * 1024;
const Z = 'Z'.charCodeAt(0);
const D = 'D'.charCodeAt(0);
const EXTENDED = new Set<number>([F.Parse, F.Bind, F.Describe, F.Execute, F.Close]);

export class PostgresAdapter implements Adapter {
  readonly protocol = 'postgres' as const;
  readonly countsAnswers = true;
  lost = false;
  private readonly c = new Framer('client', 'untyped', KEEP);
  private readonly s = new Framer('server', 'typed', 1);
  /** the extended request being gathered */
  private ext: { start: number; sql?: string; statement?: string } | undefined;
  private statements = new Map<string, string>();
  /** last ReadyForQuery status the server sent: I, T or E */
  private serverTxn = 'I';
  /** a fault failed the client's transaction; the server does not know */
  private failedByFault = false;
  /** after an error at Flush, messages up to Sync are skipped as the server would */
  private skipToSync = false;

  get partialHoldable(): boolean {
    const cur = this.c.current;
    if (this.ext) return true;
    return cur !== null && (cur.type === F.Query || EXTENDED.has(cur.type));
  }

  client(chunk: Buffer): Unit[] {
    if (this.lost) return [];
    this.c.push(chunk, 0);
    const units: Unit[] = [];
    let ev: FrameEvent | null;
    while ((ev = this.c.next())) {
      if (ev.kind === 'error') {
        this.lost = true;
        return units;
      }
      if (ev.kind === 'head') {
        const t = ev.frame.type;
        if (t !== F.Query && t !== F.Parse && t !== F.Bind) ev.frame.keep = 0;
        continue;
      }
      if (ev.kind !== 'frame') continue;
      const { frame, body } = ev;
      const end = frame.bodyStart + frame.len;
      if (frame.type === 0) {
        if (frame.code === SSL_REQUEST || frame.code === GSSENC_REQUEST) this.s.mode = 'byte';
        else if (frame.code !== 80877102) this.c.mode = 'typed';
        // the startup's answers end with the first ReadyForQuery; cancel requests get none
        units.push({ start: frame.start, end, answers: frame.code >> 16 === 3 ? 1 : 0 });
        continue;
      }
      if (frame.type === F.Query) {
        const sql = cstring(body);
        units.push({ start: frame.start, end, answers: 1, request: req('query', sql) });
        continue;
      }
      if (EXTENDED.has(frame.type)) {
        this.ext ??= { start: frame.start };
        if (frame.type === F.Parse) {
          const name = cstring(body);
          const sql = cstring(body.subarray(Buffer.byteLength(name) + 1));
          this.statements.set(name, sql);
          if (this.statements.size > 1000) this.statements.clear();
          this.ext.sql ??= sql;
        } else if (frame.type === F.Bind) {
          const portalEnd = body.indexOf(0);
          const stmt = cstring(body.subarray(portalEnd + 1));
          this.ext.statement ??= stmt;
        }
        continue;
      }
      if ((frame.type === F.Sync || frame.type === F.Flush) && this.ext) {
        const e = this.ext;
        this.ext = undefined;
        const sql =
          e.sql ?? (e.statement !== undefined ? this.statements.get(e.statement) : undefined);
        const flush = frame.type === F.Flush;
        units.push({
          start: e.start,
          end,
          answers: flush ? 0 : 1,
          flush,
          request: sql === undefined ? undefined : req('extended', sql),
        });
        continue;
      }
      units.push({
        start: frame.start,
        end,
        answers: frame.type === F.Sync || frame.type === F.FunctionCall ? 1 : 0,
      });
    }
    return units;
  }

  server(chunk: Buffer): ServerMarks {
    if (this.lost) return { answers: [], rows: [] };
    this.s.push(chunk, 0);
    const marks: ServerMarks = { answers: [], rows: [] };
    let ev: FrameEvent | null;
    while ((ev = this.s.next())) {
      if (ev.kind === 'error') {
        this.lost = true;
        break;
      }
      if (ev.kind === 'byte') {
        // 'S' or 'G': TLS or GSS encryption follows, nothing more to read
        if (ev.byte !== 0x4e) this.lost = true;
        continue;
      }
      if (ev.kind === 'head') {
        ev.frame.keep = ev.frame.type === Z ? 1 : 0;
        continue;
      }
      if (ev.kind !== 'frame') continue;
      const end = ev.frame.bodyStart + ev.frame.len;
      if (ev.frame.type === Z) {
        this.serverTxn = String.fromCharCode(ev.body[0] ?? 0x49);
        if (this.serverTxn === 'I') this.failedByFault = false;
        marks.answers.push(end);
      } else if (ev.frame.type === D) marks.rows.push(end);
    }
    return marks;
  }

  override(unit: Unit): Override {
    if (this.skipToSync) {
      if (unit.answers > 0) {
        this.skipToSync = false;
        return { reply: ready(this.clientTxn()), why: 'skipped to Sync after an injected error' };
      }
      return { reply: Buffer.alloc(0), why: 'skipped to Sync after an injected error' };
    }
    if (!this.failedByFault || !unit.request) return undefined;
    const sql = unit.request.sql ?? '';
    if (/^\s*(rollback|abort)\b/i.test(sql)) {
      this.failedByFault = false;
      return undefined;
    }
    if (/^\s*(commit|end)\b/i.test(sql) && unit.request.kind === 'query') {
      this.failedByFault = false;
      return { rewrite: query('ROLLBACK'), answers: 1 };
    }
    return {
      reply: this.error(
        '25P02',
        'current transaction is aborted, commands ignored until end of transaction block',
        unit,
      ),
      why: 'transaction failed by an injected error',
    };
  }

  errorReply(attrs: Attributes, unit: Unit): Buffer {
    const state = String(attrs.sqlstate || attrs.code || '40001');
    const message = String(
      attrs.message || 'could not serialize access due to concurrent update (injected by looptap)',
    );
    return this.error(state, message, unit);
  }

  private error(state: string, message: string, unit: Unit): Buffer {
    if (this.serverTxn !== 'I') this.failedByFault = true;
    const fields = Buffer.concat([
      field('S', 'ERROR'),
      field('V', 'ERROR'),
      field('C', state),
      field('M', message),
      Buffer.from([0]),
    ]);
    const err = typed('E', fields);
    if (unit.flush) {
      this.skipToSync = true;
      return err;
    }
    return Buffer.concat([err, ready(this.clientTxn())]);
  }

  private clientTxn(): string {
    return this.failedByFault ? 'E' : this.serverTxn;
  }
}

function req(kind: string, sql: string): ExchangeRequest {
  return { text: sql.replace(/\s+/g, ' ').trim().slice(0, 300), kind, sql };
}

function cstring(b: Buffer): string {
  const z = b.indexOf(0);
  return b.toString('utf8', 0, z === -1 ? b.length : z);
}

function field(code: string, value: string): Buffer {
  return Buffer.concat([Buffer.from(code), Buffer.from(value, 'utf8'), Buffer.from([0])]);
}

function typed(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeUInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

function ready(status: string): Buffer {
  return typed('Z', Buffer.from(status, 'latin1'));
}

function query(sql: string): Buffer {
  return typed('Q', Buffer.concat([Buffer.from(sql, 'utf8'), Buffer.from([0])]));
}
