// Client-to-server typed frontend messages (startup.ts has the untyped startup-phase ones),
// turned into names, one-line summaries and JSON-safe fields. Stateless: the connection passes
// in the last Authentication code (to tell the four kinds of 'p' apart) and gets back the byte
// ranges that hold secrets. CopyData is not decoded here (the connection only counts it).

import type { DecoderOptions } from '../decoder.js';
import { F, LINE_MAX } from './codes.js';
import type { Frame } from './framing.js';
import { Reader } from './reader.js';
import { REDACTED, oneLine } from '../summary-text.js';
import { findSqlSecrets, redactSql } from './sql-redact.js';
import { decodeBind, nameOf } from './bind-message.js';

export interface FrontMsg {
  name: string;
  summary: string;
  fields: Record<string, unknown>;
  /** absolute byte ranges (client direction) to blank in the capture */
  masks?: Array<[number, number]>;
  /** Query, Parse: the SQL on one line (at most 300 characters), for the exchange */
  text?: string;
  /** Bind: the parameter values (copies, each cut after maxValue + 1 bytes) and formats */
  bind?: BindValues;
}

export interface BindValues {
  formats: number[];
  values: Array<Buffer | null>;
  cut: boolean;
  resultFormats: number[];
}

/** the four messages that share the letter 'p', told apart by the last Authentication code */
function decodePassword(
  frame: Frame,
  body: Buffer,
  authCode: number,
  opts: DecoderOptions,
): FrontMsg {
  // the whole body is masked by the connection as soon as the header is read
  const masks: Array<[number, number]> = [];
  const r = new Reader(body);
  if (authCode === 10) {
    const mechanism = r.cstring();
    const n = r.i32();
    const data = n > 0 ? r.bytes(n).toString('utf8') : '';
    return {
      name: 'SASLInitialResponse',
      summary: `SASL ${mechanism} ${opts.redact ? REDACTED : data}`,
      fields: { mechanism, data: opts.redact ? REDACTED : data },
      masks,
    };
  }
  if (authCode === 11) {
    const data = body.toString('utf8');
    return {
      name: 'SASLResponse',
      summary: opts.redact ? REDACTED : data,
      fields: { data: opts.redact ? REDACTED : data },
      masks,
    };
  }
  if (authCode === 7 || authCode === 8 || authCode === 9) {
    return {
      name: 'GSSResponse',
      summary: `${frame.len} bytes ${REDACTED}`,
      fields: { data: opts.redact ? REDACTED : body.toString('hex'), length: frame.len },
      masks,
    };
  }
  const password = r.cstring();
  const method = authCode === 5 ? 'md5' : authCode === 3 ? 'cleartext' : 'unknown';
  return {
    name: 'PasswordMessage',
    summary: `${method} password ${opts.redact ? REDACTED : password}`,
    fields: { method, password: opts.redact ? REDACTED : password },
    masks,
  };
}

/** sql text with password literals replaced (and their bytes reported) */
function sqlField(
  body: Buffer,
  at: number,
  end: number,
  frame: Frame,
  opts: DecoderOptions,
  fields: Record<string, unknown>,
  masks: Array<[number, number]>,
): string {
  let sql = body.toString('utf8', at, end);
  if (opts.redact) {
    const secrets = findSqlSecrets(sql);
    for (const s of secrets) {
      const from = frame.bodyStart + at + Buffer.byteLength(sql.slice(0, s.start));
      // a literal cut by the kept window runs on to the message's end (this mask replaces the
      // secret scanner's one with the same start, so it must not be shorter)
      const cut = s.end >= sql.length && body.length < frame.len;
      masks.push([
        from,
        cut ? frame.bodyStart + frame.len : from + Buffer.byteLength(sql.slice(s.start, s.end)),
      ]);
    }
    sql = redactSql(sql, secrets);
  }
  if (sql.length > opts.maxValue) {
    sql = sql.slice(0, opts.maxValue);
    fields.truncated = true;
  }
  return sql;
}

/** what one message's decoder reads from and writes to */
interface Decoding {
  frame: Frame;
  body: Buffer;
  r: Reader;
  fields: Record<string, unknown>;
  masks: Array<[number, number]>;
  opts: DecoderOptions;
}

const bare =
  (name: string) =>
  ({ fields }: Decoding): FrontMsg => ({ name, summary: name, fields });

/** Password is not here: its four kinds need the last Authentication code */
const DECODERS = new Map<number, (d: Decoding) => FrontMsg>([
  [F.Query, decodeQuery],
  [F.Parse, decodeParse],
  [F.Bind, ({ r, fields, opts }) => decodeBind(r, fields, opts)],
  [F.Describe, decodeTarget],
  [F.Close, decodeTarget],
  [F.Execute, decodeExecute],
  [
    F.FunctionCall,
    ({ r, fields }) => {
      fields.oid = r.i32();
      return { name: 'FunctionCall', summary: `function oid ${String(fields.oid)}`, fields };
    },
  ],
  [F.Sync, bare('Sync')],
  [F.Flush, bare('Flush')],
  [F.Terminate, bare('Terminate')],
  [F.CopyDone, bare('CopyDone')],
  [
    F.CopyFail,
    ({ r, fields, opts }) => {
      fields.reason = oneLine(r.cstring(), opts.maxValue);
      return { name: 'CopyFail', summary: String(fields.reason), fields };
    },
  ],
]);

export function decodeFrontend(
  frame: Frame,
  body: Buffer,
  truncated: boolean,
  authCode: number,
  opts: DecoderOptions,
): FrontMsg {
  if (frame.type === F.Password) return decodePassword(frame, body, authCode, opts);
  const fields: Record<string, unknown> = {};
  if (truncated) fields.truncated = true;
  const decode = DECODERS.get(frame.type);
  if (!decode) {
    return { name: String.fromCharCode(frame.type), summary: `${frame.len} bytes`, fields };
  }
  return decode({ frame, body, r: new Reader(body), fields, masks: [], opts });
}

function decodeQuery({ frame, body, fields, masks, opts }: Decoding): FrontMsg {
  const nul = body.indexOf(0);
  fields.sql = sqlField(body, 0, nul === -1 ? body.length : nul, frame, opts, fields, masks);
  const text = oneLine(fields.sql as string, LINE_MAX);
  return { name: 'Query', summary: text, fields, masks, text };
}

function decodeParse({ frame, body, r, fields, masks, opts }: Decoding): FrontMsg {
  fields.statement = r.cstring();
  const at = r.pos;
  const nul = body.indexOf(0, at);
  fields.sql = sqlField(body, at, nul === -1 ? body.length : nul, frame, opts, fields, masks);
  if (nul !== -1) {
    r.pos = nul + 1;
    const n = r.i16();
    const types: number[] = [];
    for (let i = 0; i < n && !r.bad && i < 1000; i++) types.push(r.i32());
    if (n > 0) fields.paramTypes = types;
  }
  const name = fields.statement === '' ? '' : `${String(fields.statement)}: `;
  const text = oneLine(fields.sql as string, LINE_MAX);
  return { name: 'Parse', summary: name + text, fields, masks, text };
}

/** Describe and Close: a statement or a portal, by name */
function decodeTarget({ frame, r, fields }: Decoding): FrontMsg {
  const kind = r.u8() === 0x53 ? 'statement' : 'portal';
  const target = r.cstring();
  fields.kind = kind;
  fields[kind] = target;
  return {
    name: frame.type === F.Describe ? 'Describe' : 'Close',
    summary: `${kind} ${nameOf(target)}`,
    fields,
  };
}

function decodeExecute({ r, fields }: Decoding): FrontMsg {
  fields.portal = r.cstring();
  fields.maxRows = r.i32();
  const limit = fields.maxRows === 0 ? '' : ` (max ${String(fields.maxRows)} rows)`;
  return {
    name: 'Execute',
    summary: `portal ${nameOf(fields.portal as string)}${limit}`,
    fields,
  };
}
