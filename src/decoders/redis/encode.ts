// The client side's one encoder: a command as RESP multibulk, for what replay sends when it
// rebuilds a command (a secret filled in, another user). Kept beside the framer that reads it.

export function encodeCommand(args: Buffer[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const a of args) parts.push(Buffer.from(`$${a.length}\r\n`), a, Buffer.from('\r\n'));
  return Buffer.concat(parts);
}
