// Client-side encoders: the frontend messages a client (replay) sends to log in and ask, the
// mirror of client-messages.ts, so that one package holds the protocol's codes and shapes. Pure:
// the I/O loop that uses them is in src/replay/pg-auth.ts. SCRAM-SHA-256 per RFC 5802 / 7677
// (no channel binding).

import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { PROTOCOL_3_0 } from './codes.js';

/** a typed message: Byte1 type, Int32 length (itself included), body */
export function typedMessage(type: string, body: Buffer): Buffer {
  const out = Buffer.alloc(5 + body.length);
  out.write(type, 0, 'latin1');
  out.writeInt32BE(4 + body.length, 1);
  body.copy(out, 5);
  return out;
}

export function startupMessage(params: Record<string, string>, version = PROTOCOL_3_0): Buffer {
  const parts = [Buffer.alloc(8)];
  for (const [k, v] of Object.entries(params)) parts.push(Buffer.from(`${k}\0${v}\0`, 'utf8'));
  parts.push(Buffer.from([0]));
  const out = Buffer.concat(parts);
  out.writeInt32BE(out.length, 0);
  out.writeInt32BE(version, 4);
  return out;
}

/** PasswordMessage for AuthenticationCleartextPassword */
export const cleartextPassword = (password: string): Buffer =>
  typedMessage('p', Buffer.from(password + '\0', 'utf8'));

/** PasswordMessage for AuthenticationMD5Password: md5(md5(password + user) + salt) */
export function md5Password(password: string, user: string, salt: Buffer): Buffer {
  const inner = createHash('md5')
    .update(password + user)
    .digest('hex');
  const outer = createHash('md5')
    .update(Buffer.concat([Buffer.from(inner), salt]))
    .digest('hex');
  return typedMessage('p', Buffer.from(`md5${outer}\0`));
}

export interface ScramStart {
  nonce: string;
  bare: string;
  /** the SASLInitialResponse to send */
  message: Buffer;
}

export function scramStart(): ScramStart {
  const nonce = randomBytes(18).toString('base64');
  const bare = `n=*,r=${nonce}`;
  const first = Buffer.from(`n,,${bare}`);
  const len = Buffer.alloc(4);
  len.writeInt32BE(first.length);
  const message = typedMessage('p', Buffer.concat([Buffer.from('SCRAM-SHA-256\0'), len, first]));
  return { nonce, bare, message };
}

/** The SASLResponse to the server-first-message, and the server signature to expect; undefined
 * when the server's nonce does not extend ours. */
export function scramFinal(
  start: ScramStart,
  serverFirst: string,
  password: string,
): { message: Buffer; serverSignature: Buffer } | undefined {
  const attrs = Object.fromEntries(
    serverFirst.split(',').map((kv) => [kv.slice(0, 1), kv.slice(2)]),
  );
  const r = attrs.r ?? '';
  if (!r.startsWith(start.nonce)) return undefined;
  const salted = pbkdf2Sync(
    password.normalize('NFKC'),
    Buffer.from(attrs.s ?? '', 'base64'),
    Number(attrs.i),
    32,
    'sha256',
  );
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const withoutProof = `c=biws,r=${r}`;
  const authMessage = `${start.bare},${serverFirst},${withoutProof}`;
  const signature = createHmac('sha256', storedKey).update(authMessage).digest();
  const proof = Buffer.from(clientKey.map((b, i) => b ^ signature[i]!));
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return {
    message: typedMessage('p', Buffer.from(`${withoutProof},p=${proof.toString('base64')}`)),
    serverSignature: createHmac('sha256', serverKey).update(authMessage).digest(),
  };
}
