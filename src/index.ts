// The library API: start a relay in-process, read its events, close it. The CLI is built on the
// same calls. Everything else is internal and may change.
export { startRelay, startHttpProxy } from './api/observed.js';
export type {
  ObservedRelay,
  ObservedHttpProxy,
  WorkerRelay,
  Conversations,
  ObserveOptions,
} from './api/observed.js';
export type { Relay, RelayOptions } from './relay/tcp-relay.js';
export type { HttpProxy, HttpProxyOptions } from './http/http-proxy-server.js';
export { ConversationLog } from './api/conversation-log.js';
export type { ConnectionSummary, FilterInput } from './api/conversation-log.js';
export type { QueryBudget, NPlusOneExpectation } from './api/expect.js';
export { describeExchange } from './api/expect.js';
export { parseFilter, FilterError } from './filter/index.js';
export { LooptapError } from './util/errors.js';
export type { Filter } from './filter/index.js';
export type { StatsRow, StatsSort, NPlusOneFinding, NPlusOneOptions } from './digest/index.js';
export type { Interceptor, InterceptResult } from './relay/interceptor.js';
export { Hub } from './capture/hub.js';
export type { Sink } from './capture/hub.js';
export { MemorySink } from './capture/memory-sink.js';
export { CaptureFile, openCaptureFile } from './capture/capture-file.js';
export { readCapture, CaptureReadError } from './capture/reader.js';
export { decoders, PROTOCOLS } from './decoders/registry.js';
export type { Decoder, DecoderModule, Decoded, DecodeStep, Mask } from './decoders/decoder.js';
export * from './events.js';
