// Client-to-server messages: the untyped startup-phase requests and the typed frontend messages,
// turned into names, one-line summaries and JSON-safe fields. Stateless: the connection passes
// in the last Authentication code (to tell the four kinds of 'p' apart) and gets back the byte
// ranges that hold secrets. CopyData is not decoded here (the connection only counts it).

import type { DecoderOptions } from '../decoder.js';
import {
  CANCEL_REQUEST,
  F,
  GSSENC_REQUEST,
  PROTOCOL_3_0,
  PROTOCOL_3_2,
  SSL_REQUEST,
} from './codes.js';
import type { Frame } from './framing.js';
import { Reader, oneLine } from './reader.js';
import { findSqlSecrets, redactSql } from './sql-redact.js';

export const REDACTED = '[redacted]';

export interface FrontMsg {
  name: string;
  summary: string;
  fields: Record<string, unknown>;
  /** absolute byte ranges (client direction) to blank in the capture */
  masks?: Array<[number, number]>;
}

const SECRET_PARAM = /pass|secret|token/i;

/** SSLRequest, GSSENCRequest, CancelRequest or StartupMessage (any 3.x) */
export function decodeUntyped(frame: Frame, body: Buffer, opts: DecoderOptions): FrontMsg {
  if (frame.code === SSL_REQUEST) return { name: 'SSLRequest', summary: 'SSLRequest', fields: {} };
  if (frame.code === GSSENC_REQUEST) {
    return { name: 'GSSENCRequest', summary: 'GSSENCRequest', fields: {} };
  }
  if (frame.code === CANCEL_REQUEST) {
    const r = new Reader(body);
    const pid = r.i32();
    const key = body.subarray(4);
    return {
      name: 'CancelRequest',
      summary: `cancel backend pid ${pid}`,
      // the key's bytes are masked by the connection as soon as the header is read
      fields: { pid, key: opts.redact ? REDACTED : key.toString('hex') },
    };
  }
  const major = frame.code >>> 16;
  const minor = frame.code & 0xffff;
  const fields: Record<string, unknown> = { protocolVersion: `${major}.${minor}` };
  const parameters: Record<string, string> = {};
  const masks: Array<[number, number]> = [];
  const r = new Reader(body);
  while (!r.bad && r.left > 1) {
    const key = r.cstring();
    const valueAt = r.pos;
    const value = r.cstring();
    if (opts.redact && SECRET_PARAM.test(key)) {
      parameters[key] = REDACTED;
      masks.push([frame.bodyStart + valueAt, frame.bodyStart + r.pos - 1]);
    } else {
      parameters[key] = value.slice(0, opts.maxValue);
    }
  }
  for (const k of ['user', 'database', 'application_name', 'options', 'replication']) {
    if (parameters[k] !== undefined) {
      fields[k] = parameters[k];
      delete parameters[k];
    }
  }
  if (Object.keys(parameters).length > 0) fields.parameters = parameters;
  const known = frame.code === PROTOCOL_3_0 || frame.code === PROTOCOL_3_2;
  const p = (k: string): string | undefined => fields[k] as string | undefined;
  const who = [`user=${p('user') ?? ''}`];
  if (p('database') !== undefined) who.push(`database=${p('database')}`);
  if (p('application_name') !== undefined) who.push(`app=${p('application_name')}`);
  if (!known || minor !== 0) who.push(`protocol ${major}.${minor}`);
  return { name: 'StartupMessage', summary: who.join(' '), fields, masks };
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
      masks.push([from, from + Buffer.byteLength(sql.slice(s.start, s.end))]);
    }
    sql = redactSql(sql, secrets);
  }
  if (sql.length > opts.maxValue) {
    sql = sql.slice(0, opts.maxValue);
    fields.truncated = true;
  }
  return sql;
}

function nameOf(s: string): string {
  return s === '' ? '(unnamed)' : s;
}

/** a Bind parameter: text as a string, binary as hex, NULL as null; capped at maxValue */
function param(v: Buffer, binary: boolean, max: number): string {
  const s = binary
    ? v.subarray(0, Math.ceil(max / 2)).toString('hex')
    : v.toString('utf8', 0, Math.min(v.length, max));
  return (binary ? v.length * 2 : v.length) > max ? s + '…' : s;
}

export function decodeFrontend(
  frame: Frame,
  body: Buffer,
  truncated: boolean,
  authCode: number,
  opts: DecoderOptions,
): FrontMsg {
  const r = new Reader(body);
  const fields: Record<string, unknown> = {};
  const masks: Array<[number, number]> = [];
  if (truncated) fields.truncated = true;
  switch (frame.type) {
    case F.Password:
      return decodePassword(frame, body, authCode, opts);
    case F.Query: {
      const nul = body.indexOf(0);
      fields.sql = sqlField(body, 0, nul === -1 ? body.length : nul, frame, opts, fields, masks);
      return { name: 'Query', summary: oneLine(fields.sql as string), fields, masks };
    }
    case F.Parse: {
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
      return { name: 'Parse', summary: name + oneLine(fields.sql as string), fields, masks };
    }
    case F.Bind: {
      fields.portal = r.cstring();
      fields.statement = r.cstring();
      const nf = r.i16();
      const formats: number[] = [];
      for (let i = 0; i < nf && !r.bad; i++) formats.push(r.i16());
      const np = r.i16();
      const params: Array<string | null> = [];
      let total = 0;
      for (let i = 0; i < np && !r.bad; i++) {
        const len = r.i32();
        if (len === -1) params.push(null);
        else {
          const binary = (formats.length === 1 ? formats[0] : formats[i]) === 1;
          const v = param(r.bytes(len), binary, opts.maxValue);
          total += v.length;
          params.push(v);
        }
        if (total > opts.maxValue) {
          fields.truncated = true;
          break;
        }
      }
      if (r.bad) fields.truncated = true;
      fields.params = params;
      const shown = oneLine(JSON.stringify(params), 200);
      return {
        name: 'Bind',
        summary: `${nameOf(fields.statement as string)} ${shown}`,
        fields,
      };
    }
    case F.Describe:
    case F.Close: {
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
    case F.Execute: {
      fields.portal = r.cstring();
      fields.maxRows = r.i32();
      const limit = fields.maxRows === 0 ? '' : ` (max ${String(fields.maxRows)} rows)`;
      return {
        name: 'Execute',
        summary: `portal ${nameOf(fields.portal as string)}${limit}`,
        fields,
      };
    }
    case F.FunctionCall: {
      fields.oid = r.i32();
      return { name: 'FunctionCall', summary: `function oid ${String(fields.oid)}`, fields };
    }
    case F.Sync:
      return { name: 'Sync', summary: 'Sync', fields };
    case F.Flush:
      return { name: 'Flush', summary: 'Flush', fields };
    case F.Terminate:
      return { name: 'Terminate', summary: 'Terminate', fields };
    case F.CopyDone:
      return { name: 'CopyDone', summary: 'CopyDone', fields };
    case F.CopyFail: {
      fields.reason = oneLine(r.cstring(), opts.maxValue);
      return { name: 'CopyFail', summary: String(fields.reason), fields };
    }
    default:
      return { name: String.fromCharCode(frame.type), summary: `${frame.len} bytes`, fields };
  }
}
