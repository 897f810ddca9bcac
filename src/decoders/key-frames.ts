// The frames a reader of exchanges still needs: who logged in, and what went wrong outside any
// exchange. A failed login (PostgreSQL's FATAL 28P01, MySQL's "Access denied") answers no query,
// so no exchange carries it; with every other frame hidden, a connection refused at login showed
// only `open ... close server_fin`, with no reason (docs/exchanges.md, "Frames, chunks and
// connections"). Decoders mark such errors (`Decoded.standalone`); the Observer builds these
// frames even when no sink takes frames (a login per connection, and the rare standalone error),
// and the live view shows them beside the exchanges, with the frames of streams (SSE events and
// WebSocket frames in HTTP mode), which come after their exchange.

/** what passes on a stream after its exchange (an event stream's events, WebSocket frames):
 * no exchange carries them, so the view shows them beside the exchanges */
const STREAM_FRAMES = new Set(['sse', 'websocket']);

/** a frame of a stream: shown beside exchanges */
export function isStreamFrame(name: string): boolean {
  return STREAM_FRAMES.has(name);
}

/** the client's login, naming the user and database */
const LOGIN_FRAMES = new Set(['StartupMessage', 'HandshakeResponse41', 'HandshakeResponse320']);

/** pino's warn level: decoders give error answers 40 */
const WARN = 40;

/** a login frame: shown on every connection, exchanges or not */
export function isLoginFrame(name: string): boolean {
  return LOGIN_FRAMES.has(name);
}

/** an error answer (decoders mark the ones outside any exchange `standalone`) */
export function isErrorFrame(level: number | undefined): boolean {
  return level !== undefined && level >= WARN;
}
