// PostgreSQL replay at message level. Each recorded connection logs in again (same user,
// database and startup parameters, a password from --password or PGPASSWORD), then resends the
// client's frontend messages byte for byte, one request at a time: a Query (with its COPY data)
// or an extended-protocol run up to Sync. Statement and portal names need no mapping because
// the whole session is replayed from its login, so every Parse is re-prepared in order.
// Compared per request: command tags, row counts, a digest of the rows, SQLSTATE of errors.

import type { Session } from './load.js';
import { chunkAt, chunksIn, sideBytes } from './load.js';
import type { Comparison, Plan, RedactedRequest, ReplaySettings } from './types.js';
import { usageError } from '../util/errors.js';
import { Wire } from './wire.js';
import { readBack, login } from './pg-auth.js';
import {
  CANCEL_REQUEST,
  GSSENC_REQUEST,
  SSL_REQUEST,
  backMessages,
  frontMessages,
  startupParams,
  summarize,
  type BackMessage,
  type FrontMessage,
} from './pg-wire.js';
import { compareResults } from './pg-compare.js';
import { recordedRequests, type Request } from './pg-requests.js';
import { sleepUntil } from './pacing.js';
import { CaptureReadError } from '../capture/reader.js';
import { comparison } from './result-compare.js';

type Bad = (at: number, why: string) => never;

const AUTH = new Map([
  [3, 'a cleartext password'],
  [5, 'an md5 password'],
  [10, 'SCRAM-SHA-256'],
]);

interface Startup {
  startup: FrontMessage;
  back: BackMessage[];
}

/** the StartupMessage and the server's messages, or why the connection cannot be replayed */
function recordedStartup(s: Session, messages: FrontMessage[], bad: Bad): Startup | string {
  const untyped = messages.filter((m) => m.type === '');
  if (untyped[0]?.code === CANCEL_REQUEST) return 'a CancelRequest connection';
  const startup = untyped.find((m) => (m.code ?? 0) >>> 16 === 3);
  if (!startup) return 'the capture has no StartupMessage for it';
  const sslAsks = untyped.filter((m) => m.code === SSL_REQUEST || m.code === GSSENC_REQUEST);
  const back = backMessages(sideBytes(s, 'server'), sslAsks.length);
  if (back.some((m) => m.type === 'ssl:S' || m.type === 'ssl:G')) {
    bad(
      0,
      `connection ${s.conn} switched to TLS, so its messages are not in the capture: capture with sslmode=disable (or looptap --strip-tls)`,
    );
  }
  return { startup, back };
}

/** the recorded startup parameters, less the masked secrets, with --user applied */
function loginParams(startup: FrontMessage, settings: ReplaySettings): Record<string, string> {
  const params = startupParams(startup.raw);
  if (settings.user) params.user = settings.user;
  for (const [k, v] of Object.entries(params))
    if (/pass|secret|token/i.test(k) && /^\*+$/.test(v)) delete params[k];
  return params;
}

/** which password the server asked for, and whether the capture kept it */
function loginPassword(
  s: Session,
  { startup, back }: Startup,
  messages: FrontMessage[],
  params: Record<string, string>,
  settings: ReplaySettings,
  bad: Bad,
): string | undefined {
  const password = settings.passwords.postgres;
  const authCodes = back.filter((m) => m.type === 'R').map((m) => m.body.readInt32BE(0));
  const asked = authCodes.find((c) => AUTH.has(c));
  if (asked === undefined || password !== undefined) return password;
  const pw = messages.find((m) => m.type === 'p');
  const kept =
    pw &&
    asked === 3 &&
    chunksIn(s, 'client', pw.at, pw.at + pw.raw.length).every((c) => c.redacted === 0);
  if (kept) return pw.raw.toString('utf8', 5, pw.raw.length - 1);
  return bad(
    pw?.at ?? startup.at,
    `connection ${s.conn} logged in as user "${params.user ?? ''}" with ${AUTH.get(asked)} and the capture holds no usable password${s.redacted.client ? ' (it was redacted)' : ''}: set PGPASSWORD or pass --password; nothing was sent`,
  );
}

/** everything after the login's ReadyForQuery, one ReadyForQuery per request */
function recordedAnswers(back: BackMessage[]): BackMessage[][] {
  const answers: BackMessage[][] = [];
  let seenLogin = false;
  let acc: BackMessage[] = [];
  for (const m of back) {
    if (m.type !== 'Z') {
      if (seenLogin) acc.push(m);
      continue;
    }
    if (seenLogin) answers.push(acc);
    seenLogin = true;
    acc = [];
  }
  return answers;
}

/** the refusal belongs before any connection (run.ts); this only makes sure a mask is never
 * sent, whoever calls run() */
function refuseRedacted(s: Session, redacted: RedactedRequest[]): void {
  const first = redacted[0];
  if (!first) return;
  throw usageError(
    'REDACTED_REQUEST',
    `replay connection ${s.conn} request ${first.index} (${first.request}) carries a value the capture redacted: ${first.hint}; nothing was sent`,
  );
}

/** sends one request; the target's answer up to its ReadyForQuery */
async function ask(wire: Wire, r: Request, timeoutMs: number): Promise<BackMessage[]> {
  wire.write(Buffer.concat(r.messages.map((m) => m.raw)));
  const got: BackMessage[] = [];
  const expectsAnswer = r.messages.some((m) => m.type === 'Q' || m.type === 'S');
  while (expectsAnswer) {
    const m = await readBack(wire, timeoutMs);
    if (!m || m.type === 'Z') break;
    got.push(m);
  }
  return got;
}

export function postgresPlan(
  s: Session,
  file: string,
  settings: ReplaySettings,
): Plan | { skip: string } {
  const { messages } = frontMessages(sideBytes(s, 'client'));
  const bad: Bad = (at, why) => {
    throw new CaptureReadError(file, chunkAt(s, 'client', at)?.line ?? s.line, why);
  };
  const start = recordedStartup(s, messages, bad);
  if (typeof start === 'string') return { skip: start };
  const params = loginParams(start.startup, settings);
  const password = loginPassword(s, start, messages, params, settings, bad);
  const { requests, redacted, terminate } = recordedRequests(s, messages);
  const answers = recordedAnswers(start.back);
  requests.forEach((r, i) => (r.recorded = answers[i] ? summarize(answers[i]) : undefined));

  return {
    conn: s.conn,
    kind: 'postgres',
    start: s.start,
    ...(redacted.length > 0 ? { redacted } : {}),
    async run(settings: ReplaySettings, onCompare: (c: Comparison) => void) {
      refuseRedacted(s, redacted);
      const wire = await Wire.connect(settings.host, settings.port, settings.timeoutMs);
      const t0 = Date.now();
      try {
        await login(wire, params, password, settings.timeoutMs, s.conn);
        for (let i = 0; i < requests.length; i++) {
          const r = requests[i]!;
          if (settings.pace === 'recorded') await sleepUntil(t0 + (r.time - s.start));
          const replayed = summarize(await ask(wire, r, settings.timeoutMs));
          const asked = { conn: s.conn, index: i + 1, kind: 'postgres' as const, request: r.text };
          onCompare(
            comparison(asked, s, r.recorded, replayed, (rec) => compareResults(rec, replayed)),
          );
        }
        if (terminate) wire.write(terminate.raw);
      } finally {
        wire.close();
      }
    },
  };
}
