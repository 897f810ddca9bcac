// Logging in again for a PostgreSQL replay: the recorded StartupMessage parameters, then
// whatever authentication the target asks for, with the password the user gives (the capture's
// own password exchange is redacted, and SCRAM or md5 answers cannot be reused anyway: they
// depend on the server's fresh nonce or salt). RFC 5802 / RFC 7677 for SCRAM-SHA-256.

import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { LooptapError } from '../util/errors.js';
import type { Wire } from './wire.js';
import { errorFields, nextBack, startupMessage, typed, type BackMessage } from './pg-wire.js';

export async function readBack(wire: Wire, timeoutMs: number): Promise<BackMessage | undefined> {
  await wire.until((p) => nextBack(p, 0) !== undefined, timeoutMs);
  const m = nextBack(wire.pending, 0);
  if (!m) return undefined;
  wire.take(m.end);
  return m.message;
}

const AUTH_NAMES: Record<number, string> = {
  3: 'a cleartext password',
  5: 'an md5 password',
  10: 'SCRAM-SHA-256',
};

export async function login(
  wire: Wire,
  params: Record<string, string>,
  password: string | undefined,
  timeoutMs: number,
  conn: number,
): Promise<void> {
  wire.write(startupMessage(params));
  const user = params.user ?? '';
  let scram: { nonce: string; bare: string; serverSignature?: Buffer } | undefined;
  const need = (code: number): string => {
    if (password !== undefined) return password;
    throw new LooptapError(
      'PASSWORD_NEEDED',
      `replay connection ${conn}: the target asks user "${user}" for ${AUTH_NAMES[code] ?? 'a password'}: set PGPASSWORD or pass --password`,
    );
  };
  for (;;) {
    const m = await readBack(wire, timeoutMs);
    if (!m) {
      throw new LooptapError(
        'LOGIN_FAILED',
        `replay connection ${conn}: the target closed or went silent during login; is --target a PostgreSQL server?`,
      );
    }
    if (m.type === 'E') {
      const f = errorFields(m.body);
      throw new LooptapError(
        'LOGIN_FAILED',
        `replay connection ${conn}: login as "${user}" refused: ${f.M ?? 'error'} (${f.C ?? '?'}); check --user, --password / PGPASSWORD`,
      );
    }
    if (m.type === 'Z') return;
    if (m.type !== 'R') continue; // ParameterStatus, BackendKeyData, NoticeResponse
    const code = m.body.readInt32BE(0);
    if (code === 0 || code === 12) {
      if (code === 12 && scram?.serverSignature) {
        const v = /v=([^,]+)/.exec(m.body.toString('utf8', 4))?.[1];
        if (v !== scram.serverSignature.toString('base64')) {
          throw new LooptapError(
            'LOGIN_FAILED',
            `replay connection ${conn}: the server's SCRAM signature is wrong; is --target the server you meant?`,
          );
        }
      }
      continue;
    }
    if (code === 3) {
      wire.write(typed('p', Buffer.from(need(3) + '\0', 'utf8')));
    } else if (code === 5) {
      const inner = createHash('md5')
        .update(need(5) + user)
        .digest('hex');
      const outer = createHash('md5')
        .update(Buffer.concat([Buffer.from(inner), m.body.subarray(4, 8)]))
        .digest('hex');
      wire.write(typed('p', Buffer.from(`md5${outer}\0`)));
    } else if (code === 10) {
      const mechs = m.body.toString('utf8', 4).split('\0');
      if (!mechs.includes('SCRAM-SHA-256')) {
        throw new LooptapError(
          'LOGIN_FAILED',
          `replay connection ${conn}: the target offers only ${mechs.filter(Boolean).join(', ')}; looptap replays SCRAM-SHA-256 without channel binding`,
        );
      }
      need(10);
      const nonce = randomBytes(18).toString('base64');
      const bare = `n=*,r=${nonce}`;
      scram = { nonce, bare };
      const first = Buffer.from(`n,,${bare}`);
      const len = Buffer.alloc(4);
      len.writeInt32BE(first.length);
      wire.write(typed('p', Buffer.concat([Buffer.from('SCRAM-SHA-256\0'), len, first])));
    } else if (code === 11 && scram) {
      const serverFirst = m.body.toString('utf8', 4);
      const attrs = Object.fromEntries(
        serverFirst.split(',').map((kv) => [kv.slice(0, 1), kv.slice(2)]),
      );
      const r = attrs.r ?? '';
      if (!r.startsWith(scram.nonce)) {
        throw new LooptapError(
          'LOGIN_FAILED',
          `replay connection ${conn}: bad SCRAM nonce from the target`,
        );
      }
      const salted = pbkdf2Sync(
        need(10).normalize('NFKC'),
        Buffer.from(attrs.s ?? '', 'base64'),
        Number(attrs.i),
        32,
        'sha256',
      );
      const clientKey = createHmac('sha256', salted).update('Client Key').digest();
      const storedKey = createHash('sha256').update(clientKey).digest();
      const withoutProof = `c=biws,r=${r}`;
      const authMessage = `${scram.bare},${serverFirst},${withoutProof}`;
      const signature = createHmac('sha256', storedKey).update(authMessage).digest();
      const proof = Buffer.from(clientKey.map((b, i) => b ^ signature[i]!));
      const serverKey = createHmac('sha256', salted).update('Server Key').digest();
      scram.serverSignature = createHmac('sha256', serverKey).update(authMessage).digest();
      wire.write(typed('p', Buffer.from(`${withoutProof},p=${proof.toString('base64')}`)));
    } else {
      throw new LooptapError(
        'LOGIN_FAILED',
        `replay connection ${conn}: the target wants authentication method ${code}, which looptap cannot replay; use password, md5, scram-sha-256 or trust for the replay target`,
      );
    }
  }
}
