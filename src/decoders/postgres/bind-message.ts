// The Bind message: its parameters shown (capped at maxValue) and kept as bytes for the
// exchange, within a budget per Bind.

import type { DecoderOptions } from '../decoder.js';
import type { Reader } from './reader.js';
import { oneLine } from '../summary-text.js';
import type { FrontMsg } from './client-messages.js';

/** the Bind parameter bytes an exchange keeps until its answer comes */
const BIND_KEEP = 16 * 1024;

/** a statement or portal as a summary shows it */
export function nameOf(s: string): string {
  return s === '' ? '(unnamed)' : s;
}

/** a Bind parameter: text as a string, binary as hex, NULL as null; capped at maxValue */
function param(v: Buffer, binary: boolean, max: number): string {
  const s = binary
    ? v.subarray(0, Math.ceil(max / 2)).toString('hex')
    : v.toString('utf8', 0, Math.min(v.length, max));
  return (binary ? v.length * 2 : v.length) > max ? s + '…' : s;
}

interface Params {
  params: Array<string | null>;
  values: Array<Buffer | null>;
  budgetCut: boolean;
  /** every parameter was read: the result formats follow */
  complete: boolean;
}

function readParams(
  r: Reader,
  formats: number[],
  fields: Record<string, unknown>,
  opts: DecoderOptions,
): Params {
  const np = r.i16();
  const out: Params = { params: [], values: [], budgetCut: false, complete: false };
  let total = 0;
  let kept = 0;
  for (let i = 0; i < np && !r.bad; i++) {
    const len = r.i32();
    if (len === -1) {
      out.params.push(null);
      out.values.push(null);
    } else {
      const raw = r.bytes(len);
      const binary = (formats.length === 1 ? formats[0] : formats[i]) === 1;
      const v = param(raw, binary, opts.maxValue);
      total += v.length;
      out.params.push(v);
      // kept until the answer (a client may pipeline thousands): a budget per Bind
      const keep = Math.min(raw.length, opts.maxValue + 1, BIND_KEEP - kept);
      if (keep < raw.length && keep < opts.maxValue + 1) out.budgetCut = true;
      out.values.push(Buffer.from(raw.subarray(0, keep)));
      kept += keep;
    }
    if (total > opts.maxValue) {
      fields.truncated = true;
      break;
    }
  }
  out.complete = out.params.length === np;
  return out;
}

export function decodeBind(
  r: Reader,
  fields: Record<string, unknown>,
  opts: DecoderOptions,
): FrontMsg {
  fields.portal = r.cstring();
  fields.statement = r.cstring();
  const nf = r.i16();
  const formats: number[] = [];
  for (let i = 0; i < nf && !r.bad; i++) formats.push(r.i16());
  const { params, values, budgetCut, complete } = readParams(r, formats, fields, opts);
  const resultFormats: number[] = [];
  if (complete) {
    const nr = r.i16();
    for (let i = 0; i < nr && !r.bad && i < 1600; i++) resultFormats.push(r.i16());
  }
  if (r.bad) fields.truncated = true;
  fields.params = params;
  const shown = oneLine(JSON.stringify(params), 200);
  const bind = { formats, values, cut: budgetCut || fields.truncated === true, resultFormats };
  return {
    name: 'Bind',
    summary: `${nameOf(fields.statement as string)} ${shown}`,
    fields,
    bind,
  };
}
