// Exchange ids are unique in a process, so that routes sharing a capture, the UI, the test API
// and MCP can name an exchange by one number.

let last = 0;

export function nextExchangeId(): number {
  return ++last;
}
