// Logging in again for a PostgreSQL replay: the recorded StartupMessage parameters, then
// whatever authentication the target asks for, with the password the user gives (the capture's
// own password exchange is redacted, and SCRAM or md5 answers cannot be reused anyway: they
// depend on the server's fresh nonce or salt). The messages themselves (and the SCRAM math) are
// built by the decoder package's client side, src/decoders/postgres/client-encode.ts.

import { LooptapError } from '../util/errors.js';
import type { Wire } from './wire.js';
import { errorFields, nextBack, type BackMessage } from './pg-wire.js';
import type { ScramStart } from '../decoders/postgres/client-encode.js';
import {
  cleartextPassword,
  md5Password,
  scramFinal,
  scramStart,
  startupMessage,
} from '../decoders/postgres/client-encode.js';

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
  let scram: { start: ScramStart; serverSignature?: Buffer } | undefined;
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
      wire.write(cleartextPassword(need(3)));
    } else if (code === 5) {
      wire.write(md5Password(need(5), user, m.body.subarray(4, 8)));
    } else if (code === 10) {
      const mechs = m.body.toString('utf8', 4).split('\0');
      if (!mechs.includes('SCRAM-SHA-256')) {
        throw new LooptapError(
          'LOGIN_FAILED',
          `replay connection ${conn}: the target offers only ${mechs.filter(Boolean).join(', ')}; looptap replays SCRAM-SHA-256 without channel binding`,
        );
      }
      need(10);
      scram = { start: scramStart() };
      wire.write(scram.start.message);
    } else if (code === 11 && scram) {
      const final = scramFinal(scram.start, m.body.toString('utf8', 4), need(10));
      if (!final) {
        throw new LooptapError(
          'LOGIN_FAILED',
          `replay connection ${conn}: bad SCRAM nonce from the target`,
        );
      }
      scram.serverSignature = final.serverSignature;
      wire.write(final.message);
    } else {
      throw new LooptapError(
        'LOGIN_FAILED',
        `replay connection ${conn}: the target wants authentication method ${code}, which looptap cannot replay; use password, md5, scram-sha-256 or trust for the replay target`,
      );
    }
  }
}
