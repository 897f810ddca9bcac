// `--fault 'TYPE key=value ...'` (repeatable, and "faults" in --config routes): the same toxics
// as the API, written on one line. name, stream and toxicity are the toxic's own fields; every
// other key is an attribute. Values may be quoted with " or ' (match="sql~^update set").
//
//   --fault 'reply_error match="sql~^update" sqlstate=40001 count=1'
//   --fault 'latency latency=100 jitter=20 stream=upstream'

import { usageError } from '../util/errors.js';
import { ToxicSet } from './toxic-set.js';
import { checkToxic, TOXIC_TYPES, type ToxicSpec } from './toxics.js';
import { ApiError } from './api-error.js';

const TOP = new Set(['name', 'stream', 'toxicity']);

/** the API body a --fault line stands for; throws a usage error (exit 2) naming the fix */
export function parseFaultFlag(text: string): Record<string, unknown> {
  if ((text.match(/"/g)?.length ?? 0) % 2 === 1 || (text.match(/'/g)?.length ?? 0) % 2 === 1) {
    throw bad(text, 'a quote is not closed');
  }
  const words = split(text);
  const type = words.shift();
  if (!type || type.includes('=')) {
    throw bad(text, `start with the toxic type, one of ${Object.keys(TOXIC_TYPES).join(', ')}`);
  }
  const defs = TOXIC_TYPES[type];
  const body: Record<string, unknown> = { type };
  const attributes: Record<string, unknown> = {};
  for (const w of words) {
    const eq = w.indexOf('=');
    if (eq <= 0) throw bad(text, `"${w}" is not key=value`);
    const key = w.slice(0, eq);
    const value = w.slice(eq + 1);
    if (key === 'toxicity') body.toxicity = Number(value);
    else if (TOP.has(key)) body[key] = value;
    else if (defs?.[key]?.kind === 'int' && /^\d+$/.test(value)) attributes[key] = Number(value);
    else attributes[key] = value;
  }
  body.attributes = attributes;
  return body;
}

/** checks one --fault line fully (type, attributes, filter); throws a usage error */
export function checkFaultFlag(text: string): ToxicSpec {
  const body = parseFaultFlag(text);
  try {
    return checkToxic(body);
  } catch (err) {
    if (err instanceof ApiError) throw bad(text, err.message.replace(/^bad request body: /, ''));
    throw err;
  }
}

/** the toxics of one route from its --fault lines (each route counts its own matches) */
export function toxicSetOf(lines: readonly string[]): ToxicSet {
  const set = new ToxicSet();
  const names = new Set<string>();
  for (const line of lines) {
    const spec = checkFaultFlag(line);
    let name = spec.name;
    // two faults of one type get distinct names, as the API would refuse a clash
    for (let i = 2; names.has(name); i++) name = `${spec.name}_${i}`;
    names.add(name);
    set.add({ ...parseFaultFlag(line), name });
  }
  return set;
}

function bad(text: string, why: string): Error {
  return usageError('BAD_FAULT', `--fault "${text}": ${why}; see docs/faults.md`);
}

function split(text: string): string[] {
  const out: string[] = [];
  const re = /(?:[^\s"']+|"[^"]*"|'[^']*')+/g;
  for (const m of text.matchAll(re)) out.push(m[0].replace(/"([^"]*)"|'([^']*)'/g, '$1$2'));
  return out;
}
