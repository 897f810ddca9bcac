// The library API: start a relay in-process, read its events, close it. The CLI is built on the
// same calls. Everything else is internal and may change.
export { startRelay } from './relay/tcp-relay.js';
export type { Relay, RelayOptions } from './relay/tcp-relay.js';
export { startHttpProxy } from './http/http-proxy-server.js';
export type { HttpProxy, HttpProxyOptions } from './http/http-proxy-server.js';
export type { Interceptor, InterceptResult } from './relay/interceptor.js';
export { Hub } from './capture/hub.js';
export type { Sink } from './capture/hub.js';
export { MemorySink } from './capture/memory-sink.js';
export { CaptureFile, openCaptureFile } from './capture/capture-file.js';
export { readCapture, CaptureReadError } from './capture/reader.js';
export { decoders, PROTOCOLS } from './decoders/registry.js';
export type { Decoder, DecoderModule, Decoded, DecodeStep, Mask } from './decoders/decoder.js';
export * from './events.js';
