// Reading one MySQL/MariaDB command's whole answer for replay, with the decoder's packet readers
// (src/decoders/mysql/): OK/ERR, a PREPARE_OK with its definitions, a field list, or result sets
// up to the last EOF/OK while MORE_RESULTS_EXISTS is set, into the summary we compare. Unlike the
// decoder, which keeps the first rows of an answer, replay digests every row. A packet too short
// for the counts an answer needs rejects the read (the reader's `why`): the answer is unknown.

import { createHash } from 'node:crypto';
import {
  STATUS_MORE_RESULTS,
  errFields,
  isEof,
  okHeader,
  terminator,
} from '../decoders/mysql/answers.js';
import type { Negotiated } from '../decoders/mysql/client-encode.js';
import { COM } from '../decoders/mysql/commands.js';
import type { Column } from '../decoders/mysql/columns.js';
import { columnOrUnknown } from '../decoders/mysql/columns.js';
import type { Packet } from '../decoders/mysql/packets.js';
import { MAX_FRAME } from '../decoders/mysql/packets.js';
import { prepareOkHeader } from '../decoders/mysql/prepare.js';
import { resultSetHead } from '../decoders/mysql/result-set.js';
import { binaryRow, textRow } from '../decoders/mysql/rows.js';
import type { WireReader } from '../decoders/wire-reader.js';

/** what one statement produced: the part of the answer that is compared */
export interface MyResult {
  /** OK: affected rows */
  affected?: number;
  columns?: string[];
  rows: number;
  /** sha256 of every row, in order */
  digest: string;
  /** the first rows, to show what changed */
  sample: unknown[][];
  /** error number and SQLSTATE: `1146/42S02` */
  error?: string;
  errorMessage?: string;
  /** COM_STMT_PREPARE: the counts of the prepared statement */
  prepared?: { columns: number; params: number };
  /** not compared: the server's answer varies (COM_STATISTICS) */
  volatile?: boolean;
}

export interface Answer {
  results: MyResult[];
  /** COM_STMT_PREPARE_OK: the server's statement id, and its column definitions */
  stmtId?: number;
  defs?: Column[];
  /** the answer ended early (connection closed, capture cut off) */
  incomplete?: boolean;
}

/** the next packet of a direction, undefined when there are no more */
export type NextPacket = () => Promise<Packet | undefined>;

const SAMPLE_ROWS = 20;
/** the most bytes of one value shown in a sample row */
const SAMPLE_VALUE_MAX = 200;
/** an error message is compared whole */
const ERR_MAX = 1 << 24;

/** an answer's counts must be whole to be compared */
function whole(r: WireReader): void {
  if (r.why !== undefined) throw new Error(r.why);
}

const empty = (): MyResult => ({ rows: 0, digest: '', sample: [] });

/** `code` and SQLSTATE (HY000 when the server sent none) and the message of an ERR */
export function errInfo(data: Buffer): { code: number; state: string; message: string } {
  // an ERR too short for its number reads as error 0
  const e = errFields(data, ERR_MAX, false);
  return { code: e.code, state: e.sqlState ?? 'HY000', message: e.message };
}

function errorResult(data: Buffer): MyResult {
  const e = errInfo(data);
  return { ...empty(), error: `${e.code}/${e.state}`, errorMessage: e.message };
}

/** One command's answer, packet by packet; `undefined` from a step: the answer was cut off. */
class AnswerReader {
  readonly results: MyResult[] = [];

  constructor(
    private readonly cmd: number,
    private readonly next: NextPacket,
    private readonly neg: Negotiated,
  ) {}

  /** the next payload; MariaDB progress reports (ERR with code 0xffff) are not answers */
  async get(): Promise<Buffer | undefined> {
    for (;;) {
      const p = await this.next();
      if (p && p.data[0] === 0xff && p.data.length >= 3 && p.data.readUInt16LE(1) === 0xffff) {
        continue;
      }
      return p?.data;
    }
  }

  cut(): Answer {
    return { results: this.results, incomplete: true };
  }

  /** `n` definitions, then the EOF that ends them unless DEPRECATE_EOF */
  async defs(n: number, keep: boolean): Promise<Column[] | undefined> {
    const out: Column[] = [];
    for (let i = 0; i < n; i++) {
      const d = await this.get();
      if (!d) return undefined;
      if (keep) out.push(columnOrUnknown(d, this.neg.extendedMetadata));
    }
    if (n > 0 && !this.neg.deprecateEof && !(await this.get())) return undefined;
    return out;
  }

  async prepare(): Promise<Answer> {
    const p = await this.get();
    if (!p) return this.cut();
    if (p[0] === 0xff) return { results: [errorResult(p)] };
    const { r, statementId, columns, params } = prepareOkHeader(p);
    whole(r);
    if (!(await this.defs(params, false))) return this.cut();
    const defs = await this.defs(columns, true);
    if (!defs) return this.cut();
    const names = defs.map((c) => c.name);
    const prepared = { columns, params };
    return { stmtId: statementId, defs, results: [{ ...empty(), prepared, columns: names }] };
  }

  async fieldList(): Promise<Answer> {
    const names: string[] = [];
    for (;;) {
      const p = await this.get();
      if (!p) return this.cut();
      if (p[0] === 0xff) return { results: [errorResult(p)] };
      if (isEof(p[0]!, p.length)) return { results: [{ ...empty(), columns: names }] };
      names.push(columnOrUnknown(p, this.neg.extendedMetadata).name);
    }
  }

  /** OK, ERR or result sets, as long as MORE_RESULTS_EXISTS says more follow */
  async generic(known: Column[] | undefined): Promise<Answer> {
    for (;;) {
      const p = await this.get();
      if (!p) return this.cut();
      if (p[0] === 0xff) return { results: [...this.results, errorResult(p)] };
      if (p[0] === 0x00 && p.length >= 7) {
        const ok = okHeader(p);
        whole(ok.r);
        this.results.push({ ...empty(), affected: ok.affectedRows });
        if (ok.status & STATUS_MORE_RESULTS) continue;
        return { results: this.results };
      }
      if (this.cmd === COM.SET_OPTION && isEof(p[0]!, p.length)) {
        return { results: [{ ...empty(), affected: 0 }] };
      }
      if (p[0] === 0xfb) {
        throw new Error('the server asked for a LOCAL INFILE, which replay does not send');
      }
      const more = await this.resultSet(p, known);
      if (more !== true) return more;
    }
  }

  /** a result set: column count, definitions (+EOF), rows, then EOF or OK (0xfe) or ERR;
   * true when more results follow */
  private async resultSet(head: Buffer, known: Column[] | undefined): Promise<Answer | true> {
    const optional = this.neg.cacheMetadata && this.cmd === COM.STMT_EXECUTE;
    const h = resultSetHead(head, optional);
    if ('why' in h) throw new Error(h.why);
    const { columns: n, metadata } = h;
    let cols: Column[] = [];
    if (metadata) {
      const defs = await this.defs(n, true);
      if (!defs) return this.cut();
      cols = defs;
    } else if (known?.length === n) cols = known;
    const res: MyResult = { ...empty(), columns: metadata ? cols.map((c) => c.name) : undefined };
    const hash = createHash('sha256');
    const binary = this.cmd === COM.STMT_EXECUTE || this.cmd === COM.STMT_FETCH;
    for (;;) {
      const row = await this.get();
      if (!row) return this.cut();
      if (row[0] === 0xff) {
        res.digest = hash.digest('hex').slice(0, 16);
        return { results: [...this.results, res, errorResult(row)] };
      }
      const deprecateEof = this.neg.deprecateEof;
      if (row[0] === 0xfe && (deprecateEof ? row.length < MAX_FRAME : row.length < 9)) {
        res.digest = hash.digest('hex').slice(0, 16);
        this.results.push(res);
        if (terminator(row, deprecateEof).status & STATUS_MORE_RESULTS) return true;
        return { results: this.results };
      }
      res.rows++;
      const len = Buffer.alloc(4);
      len.writeUInt32LE(row.length);
      hash.update(len).update(row);
      if (res.sample.length < SAMPLE_ROWS) {
        res.sample.push(
          binary ? binaryRow(row, cols, SAMPLE_VALUE_MAX) : textRow(row, cols, SAMPLE_VALUE_MAX),
        );
      }
    }
  }
}

/** Reads the whole answer to command `cmd` from `next` (undefined: no more packets). `known`:
 * the column definitions of the statement an EXECUTE runs, for answers that leave them out. */
export async function readAnswer(
  cmd: number,
  next: NextPacket,
  neg: Negotiated,
  known?: Column[],
): Promise<Answer> {
  const a = new AnswerReader(cmd, next, neg);
  if (cmd === COM.STMT_PREPARE) return a.prepare();
  if (cmd === COM.STATISTICS) {
    // a line of uptime and counters: never the same twice
    if (!(await a.get())) return a.cut();
    return { results: [{ ...empty(), volatile: true }] };
  }
  if (cmd === COM.FIELD_LIST) return a.fieldList();
  return a.generic(known);
}

/** an async packet source over recorded packets */
export function fromList(list: Packet[], start = 0): { next: NextPacket } {
  let i = start;
  return { next: () => Promise.resolve(list[i++]) };
}
