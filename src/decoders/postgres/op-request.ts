// What the exchange layer keeps of each frontend op as it is sent: the exchange it asks for
// (Query, Execute, FunctionCall), the statement or portal it makes or describes, and the
// extended-protocol cycle it belongs to. Attached to the op in pending.ts, so that the answer
// finds them however far the client has pipelined ahead.

import type { Exchanges } from './exchanges.js';
import type { FrontMsg } from './client-messages.js';
import type { Op, OpKind } from './pending.js';

/** what the exchange layer keeps of a request: its exchange, statement, portal or cycle */
export function opRequest(xs: Exchanges, kind: OpKind, time: number, msg: FrontMsg): Partial<Op> {
  const f = msg.fields;
  const str = (k: string): string => (typeof f[k] === 'string' ? f[k] : '');
  const cut = f.truncated === true;
  const which = f.kind === 'statement' ? 'statement' : 'portal';
  switch (kind) {
    case 'Query':
      return { x: xs.query(str('sql'), msg.text, cut, time), weight: str('sql').length };
    case 'FunctionCall':
      return { x: xs.functionCall(Number(f.oid), time) };
    case 'Parse': {
      const types = Array.isArray(f.paramTypes) ? (f.paramTypes as number[]) : [];
      const target = xs.parse(str('statement'), str('sql'), msg.text, cut, types, time);
      return { target, cycle: xs.current, weight: str('sql').length };
    }
    case 'Bind': {
      const b = msg.bind ?? { formats: [], values: [], cut, resultFormats: [] };
      const target = xs.bind(str('portal'), str('statement'), b, time);
      const weight = b.values.reduce((n, v) => n + (v?.length ?? 0), 0);
      return { target, cycle: xs.current, weight };
    }
    case 'Describe':
      return { target: xs.describe(which, str(which)), cycle: xs.current };
    case 'Execute':
      return { x: xs.execute(str('portal'), time), cycle: xs.current };
    case 'Close':
      xs.close(which, str(which));
      return { cycle: xs.current };
    case 'Sync':
      return { cycle: xs.sync() };
    default:
      return {};
  }
}
