// Every toxic type, its attributes, their defaults and their checks. Toxiproxy's byte-level
// toxics keep its names, attributes and zero defaults; looptap's protocol toxics (reply_error,
// delay_reply, drop_connection) add `match` (the shared filter language) and `count`.
// A toxic is checked whole before it is added anywhere, so a bad one leaves nothing behind.

import { parseFilter, FilterError, type Filter } from '../filter/index.js';
import { ApiError, badRequest, badStream } from './api-error.js';

export type Stream = 'upstream' | 'downstream';
export type Attributes = Record<string, number | string>;

/** a toxic as the API shows it (Toxiproxy's JSON shape) */
export interface ToxicJson {
  name: string;
  type: string;
  stream: Stream;
  toxicity: number;
  attributes: Attributes;
}

type Kind = 'int' | 'string' | 'filter';
interface AttrDef {
  kind: Kind;
  default: number | string;
  /** checked on top of the kind */
  check?: (v: number | string) => string | undefined;
}

const ms = (d = 0): AttrDef => ({ kind: 'int', default: d });
const str = (d: string, check?: AttrDef['check']): AttrDef => ({
  kind: 'string',
  default: d,
  check,
});
const MATCH: AttrDef = { kind: 'filter', default: '' };
const COUNT: AttrDef = { kind: 'int', default: 0 };

export const PROTOCOL_TOXICS = new Set(['reply_error', 'delay_reply', 'drop_connection']);

export const TOXIC_TYPES: Record<string, Record<string, AttrDef>> = {
  latency: { latency: ms(), jitter: ms() },
  bandwidth: { rate: ms() },
  slow_close: { delay: ms() },
  timeout: { timeout: ms() },
  reset_peer: { timeout: ms() },
  slicer: { average_size: ms(), size_variation: ms(), delay: ms() },
  limit_data: { bytes: ms() },
  reply_error: {
    match: MATCH,
    count: COUNT,
    sqlstate: str('', (v) =>
      v === '' || /^[0-9A-Z]{5}$/.test(String(v))
        ? undefined
        : 'is five digits or capital letters, e.g. 40001',
    ),
    code: str(''),
    message: str(''),
    status: {
      kind: 'int',
      default: 503,
      check: (v) =>
        Number(v) >= 100 && Number(v) <= 599 ? undefined : 'is an HTTP status from 100 to 599',
    },
    body: str(''),
  },
  delay_reply: { match: MATCH, count: COUNT, delay: ms() },
  drop_connection: { match: MATCH, count: COUNT, rows: ms() },
};

/** a checked toxic, with its filter compiled */
export interface ToxicSpec extends ToxicJson {
  filter?: Filter;
}

/** checks one toxic body (from the API or --fault); throws ApiError 400 with the reason */
export function checkToxic(body: unknown, defaults?: Partial<ToxicJson>): ToxicSpec {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw badRequest(
      'a toxic is a JSON object like {"type": "latency", "attributes": {"latency": 100}}',
    );
  }
  const b = body as Record<string, unknown>;
  const type = b.type ?? defaults?.type;
  if (typeof type !== 'string' || !(type in TOXIC_TYPES)) {
    throw new ApiError(
      400,
      `invalid toxic type${type === undefined ? ' (missing)' : ` ${JSON.stringify(type)}`}: use one of ${Object.keys(TOXIC_TYPES).join(', ')}`,
    );
  }
  const stream = b.stream ?? defaults?.stream ?? 'downstream';
  if (stream !== 'upstream' && stream !== 'downstream') throw badStream();
  const toxicity = b.toxicity ?? defaults?.toxicity ?? 1;
  if (typeof toxicity !== 'number' || !(toxicity >= 0 && toxicity <= 1)) {
    throw badRequest(`toxicity ${JSON.stringify(toxicity)} is not a number from 0 to 1`);
  }
  const name = b.name ?? defaults?.name ?? `${type}_${stream}`;
  if (typeof name !== 'string' || name === '') throw badRequest('name must be a non-empty string');
  const attributes = checkAttributes(type, b.attributes ?? {}, defaults?.attributes);
  const spec: ToxicSpec = { name, type, stream, toxicity, attributes };
  if (PROTOCOL_TOXICS.has(type)) spec.filter = compile(String(attributes.match));
  return spec;
}

function checkAttributes(type: string, raw: unknown, base?: Attributes): Attributes {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw badRequest(`attributes of a ${type} toxic must be an object`);
  }
  const defs = TOXIC_TYPES[type]!;
  const out: Attributes = {};
  for (const [k, d] of Object.entries(defs)) out[k] = base?.[k] ?? d.default;
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    const d = defs[k];
    if (!d) {
      throw badRequest(
        `a ${type} toxic has no attribute "${k}": it takes ${Object.keys(defs).join(', ')}`,
      );
    }
    if (d.kind === 'int') {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
        throw badRequest(
          `${type} attribute "${k}" must be a whole number, 0 or more (got ${JSON.stringify(v)})`,
        );
      }
    } else if (typeof v !== 'string') {
      throw badRequest(`${type} attribute "${k}" must be a string (got ${JSON.stringify(v)})`);
    }
    const why = d.check?.(v);
    if (why) throw badRequest(`${type} attribute "${k}" ${why} (got ${JSON.stringify(v)})`);
    out[k] = v;
  }
  return out;
}

/** terms an exchange has only once its answer came: a fault decides before it, so they would be
 * false there (and `not error` always true): a match that uses one is refused, not kept inert */
const ANSWER_TERMS = new Set(['error', 'status', 'latency', 'rows', 'txn', 'incomplete']);

function compile(source: string): Filter {
  let f: Filter;
  try {
    f = parseFilter(source);
  } catch (err) {
    if (err instanceof FilterError) {
      throw badRequest(`match "${source}": ${err.message}`);
    }
    throw err;
  }
  const late = f.terms?.find((t) => ANSWER_TERMS.has(t.name));
  if (late) {
    throw badRequest(
      `match "${source}": ${late.name} (column ${late.column}) is known only from the answer, and a fault decides before it: match on the request (sql~, cmd~, url~, method:, protocol:, conn:, route:, ~)`,
    );
  }
  return f;
}

/** the JSON the API shows (no compiled filter) */
export function toxicJson(t: ToxicSpec): ToxicJson {
  return {
    name: t.name,
    type: t.type,
    stream: t.stream,
    toxicity: t.toxicity,
    attributes: { ...t.attributes },
  };
}
