// One decoder's ExchangeDraft as the event everyone reads (docs/exchanges.md): the connection, a
// process-wide id and the fingerprint are stamped here, once, so that the view, the digest, the
// capture and the API never compute them again.

import type { ExchangeEvent, ProtocolName } from '../events.js';
import { LEVEL } from '../events.js';
import type { ExchangeDraft } from '../decoders/decoder.js';
import { fingerprintOf } from '../digest/fingerprint.js';
import { nextExchangeId } from './exchange-id.js';
import { round } from '../util/time.js';
import { cut } from '../decoders/summary-text.js';

/** the longest `msg` of a message or exchange line */
const MSG_MAX = 200;

export const cutMsg = (text: string): string => cut(text, MSG_MAX);

/** `injected`: the toxic that answered instead of the server */
export function exchangeEvent(
  conn: number,
  protocol: ProtocolName,
  d: ExchangeDraft,
  injected: string | undefined,
): ExchangeEvent {
  const event: ExchangeEvent = {
    type: 'exchange',
    time: Math.floor(d.start),
    level: d.level ?? (d.response?.error ? LEVEL.warn : LEVEL.info),
    msg: cutMsg(d.response ? d.request.text + ' -> ' + d.response.text : d.request.text),
    conn,
    protocol,
    id: nextExchangeId(),
    start: d.start,
    request: d.request,
  };
  if (d.latencyMs !== undefined) event.latencyMs = round(d.latencyMs);
  if (d.response) event.response = d.response;
  if (d.incomplete) event.incomplete = true;
  if (d.txn) event.txn = d.txn;
  if (injected) event.injected = injected;
  const fp = fingerprintOf(protocol, d.request);
  event.fingerprint = fp.fingerprint;
  event.fingerprintId = fp.fingerprintId;
  return event;
}
