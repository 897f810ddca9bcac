// The client's untyped startup-phase messages: SSLRequest, GSSENCRequest, CancelRequest and the
// StartupMessage (any 3.x), with the secret-looking startup parameters masked.

import type { DecoderOptions } from '../decoder.js';
import {
  CANCEL_REQUEST,
  GSSENC_REQUEST,
  PROTOCOL_3_0,
  PROTOCOL_3_2,
  SSL_REQUEST,
} from './codes.js';
import type { Frame } from './framing.js';
import type { FrontMsg } from './client-messages.js';
import { REDACTED } from '../summary-text.js';
import { Reader } from './reader.js';

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
