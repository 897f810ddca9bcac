// The relay worker (startRelay({ thread: 'worker' })): the sockets, decoders and fingerprints of
// one relay or HTTP proxy run here, off the test's event loop, and the events the conversation
// log needs are posted to the main thread in batches.
//
// The flush: the main thread posts { flush, seq } and blocks on the shared buffer. This handler
// runs between socket callbacks, and the relay decodes a chunk in the same callback that forwards
// it, so every byte a client could have received is already decoded into `pending`; posting
// `pending` before storing seq means the main thread finds it on the port once it wakes.

import { workerData, type MessagePort } from 'node:worker_threads';
import type { CaptureEvent } from '../events.js';
import { startRelay, type RelayOptions } from '../relay/tcp-relay.js';
import { startHttpProxy } from '../http/http-proxy-server.js';
import type { HttpProxyOptions } from '../http/proxy-options.js';
import { fingerprintReady } from '../digest/fingerprint.js';
import {
  LogFeed,
  SLOT_FLUSHED,
  SLOT_STATE,
  STATE_GONE,
  serializeError,
  type FromWorker,
  type ToWorker,
  type WorkerData,
} from './thread-protocol.js';

/** a batch goes out on its own when this many events wait, or this long after the first */
const BATCH_EVENTS = 256;
const BATCH_MS = 50;

const { kind, options, port, shared } = workerData as WorkerData;
const slots = new Int32Array(shared);
const post = (m: FromWorker): void => port.postMessage(m);

// if this thread ends without being asked, a main thread blocked in a flush wakes and says so
process.on('exit', () => {
  Atomics.store(slots, SLOT_STATE, STATE_GONE);
  Atomics.notify(slots, SLOT_FLUSHED);
});

let pending: CaptureEvent[] = [];
let timer: NodeJS.Timeout | undefined;

function send(): void {
  if (timer) clearTimeout(timer);
  timer = undefined;
  if (pending.length === 0) return;
  post({ type: 'events', events: pending });
  pending = [];
}

const feed = new LogFeed();
function onEvent(e: CaptureEvent): void {
  const kept = feed.pick(e);
  if (kept.length === 0) return;
  pending.push(...kept);
  if (pending.length >= BATCH_EVENTS) send();
  else timer ??= setTimeout(send, BATCH_MS);
}

async function main(p: MessagePort): Promise<void> {
  let relay: {
    hub: { on(fn: (e: CaptureEvent) => void, options?: { frames?: boolean }): () => void };
    close(g?: number): Promise<void>;
  };
  let ready: FromWorker;
  try {
    await fingerprintReady();
    const r =
      kind === 'tcp'
        ? await startRelay(options as unknown as RelayOptions)
        : await startHttpProxy(options as unknown as HttpProxyOptions);
    relay = r;
    ready = { type: 'ready', address: r.address, port: r.port, target: r.target };
  } catch (err) {
    post({ type: 'failed', error: serializeError(err) });
    p.close();
    return;
  }
  relay.hub.on(onEvent, { frames: false });
  p.on('message', (m: ToWorker) => {
    if (m.type === 'flush') {
      send();
      Atomics.store(slots, SLOT_FLUSHED, m.seq);
      Atomics.notify(slots, SLOT_FLUSHED);
      return;
    }
    void relay.close(m.graceMs).finally(() => {
      send();
      post({ type: 'closed' });
      p.close();
    });
  });
  post(ready);
}

void main(port);
