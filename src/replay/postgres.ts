// PostgreSQL replay at message level. Each recorded connection logs in again (same user,
// database and startup parameters, a password from --password or PGPASSWORD), then resends the
// client's frontend messages byte for byte, one request at a time: a Query (with its COPY data)
// or an extended-protocol run up to Sync. Statement and portal names need no mapping because
// the whole session is replayed from its login, so every Parse is re-prepared in order.
// Compared per request: command tags, row counts, a digest of the rows, SQLSTATE of errors.

import type { Session } from './load.js';
import { chunkAt, chunksIn, sideBytes } from './load.js';
import type { Comparison, Plan, ReplaySettings } from './types.js';
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
  type PgResult,
} from './pg-wire.js';
import { compareResults } from './pg-compare.js';
import { sleepUntil } from './pacing.js';
import { CaptureReadError } from '../capture/reader.js';
import { cutOff } from './tcp-turns.js';

interface Request {
  messages: FrontMessage[];
  text: string;
  time: number;
  recorded?: PgResult[];
}

const AUTH = new Map([
  [3, 'a cleartext password'],
  [5, 'an md5 password'],
  [10, 'SCRAM-SHA-256'],
]);

export function postgresPlan(
  s: Session,
  file: string,
  settings: ReplaySettings,
): Plan | { skip: string } {
  const client = sideBytes(s, 'client');
  const { messages } = frontMessages(client);
  const bad = (at: number, why: string): never => {
    throw new CaptureReadError(file, chunkAt(s, 'client', at)?.line ?? s.line, why);
  };
  const untyped = messages.filter((m) => m.type === '');
  if (untyped[0]?.code === CANCEL_REQUEST) return { skip: 'a CancelRequest connection' };
  const startup = untyped.find((m) => (m.code ?? 0) >>> 16 === 3);
  if (!startup) return { skip: 'the capture has no StartupMessage for it' };
  const sslAsks = untyped.filter((m) => m.code === SSL_REQUEST || m.code === GSSENC_REQUEST);
  const back = backMessages(sideBytes(s, 'server'), sslAsks.length);
  if (back.some((m) => m.type === 'ssl:S' || m.type === 'ssl:G')) {
    bad(
      0,
      `connection ${s.conn} switched to TLS, so its messages are not in the capture: capture with sslmode=disable (or looptap --strip-tls)`,
    );
  }
  const params = startupParams(startup.raw);
  if (settings.user) params.user = settings.user;
  for (const [k, v] of Object.entries(params))
    if (/pass|secret|token/i.test(k) && /^\*+$/.test(v)) delete params[k];

  // the login: which password the server asked for, and whether the capture kept it
  let password = settings.passwords.postgres;
  const authCodes = back.filter((m) => m.type === 'R').map((m) => m.body.readInt32BE(0));
  const asked = authCodes.find((c) => AUTH.has(c));
  if (asked !== undefined && password === undefined) {
    const pw = messages.find((m) => m.type === 'p');
    const kept =
      pw &&
      asked === 3 &&
      chunksIn(s, 'client', pw.at, pw.at + pw.raw.length).every((c) => c.redacted === 0);
    if (kept) password = pw.raw.toString('utf8', 5, pw.raw.length - 1);
    else {
      bad(
        pw?.at ?? startup.at,
        `connection ${s.conn} logged in as user "${params.user ?? ''}" with ${AUTH.get(asked)} and the capture holds no usable password${s.redacted.client ? ' (it was redacted)' : ''}: set PGPASSWORD or pass --password; nothing was sent`,
      );
    }
  }

  // requests: a Query with its COPY data, or extended-protocol messages up to Sync
  const requests: Request[] = [];
  let cur: FrontMessage[] = [];
  let terminate: FrontMessage | undefined;
  const push = (): void => {
    if (cur.length === 0) return;
    requests.push({
      messages: cur,
      text: describe(cur),
      time: chunkAt(s, 'client', cur[0]!.at)?.time ?? s.start,
    });
    cur = [];
  };
  for (const m of messages) {
    if (m.type === '' || m.type === 'p') continue;
    if (m.type === 'X') {
      terminate = m;
      continue;
    }
    if (m.type === 'Q') push();
    cur.push(m);
    if (m.type === 'S') push();
    const redacted = chunksIn(s, 'client', m.at, m.at + m.raw.length).some((c) => c.redacted > 0);
    if (redacted && m.raw.includes('***')) {
      bad(
        m.at,
        `connection ${s.conn} sent a statement whose secret the capture redacted (${describe([m])}): it cannot be resent; leave the connection out with --conn`,
      );
    }
  }
  push();

  // recorded answers: everything after the login's ReadyForQuery, one ReadyForQuery per request
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
  requests.forEach((r, i) => (r.recorded = answers[i] ? summarize(answers[i]) : undefined));

  return {
    conn: s.conn,
    kind: 'postgres',
    start: s.start,
    async run(settings: ReplaySettings, onCompare: (c: Comparison) => void) {
      const wire = await Wire.connect(settings.host, settings.port, settings.timeoutMs);
      const t0 = Date.now();
      try {
        await login(wire, params, password, settings.timeoutMs, s.conn);
        for (let i = 0; i < requests.length; i++) {
          const r = requests[i]!;
          if (settings.pace === 'recorded') await sleepUntil(t0 + (r.time - s.start));
          wire.write(Buffer.concat(r.messages.map((m) => m.raw)));
          const got: BackMessage[] = [];
          const expectsAnswer = r.messages.some((m) => m.type === 'Q' || m.type === 'S');
          while (expectsAnswer) {
            const m = await readBack(wire, settings.timeoutMs);
            if (!m || m.type === 'Z') break;
            got.push(m);
          }
          const replayed = summarize(got);
          const c: Comparison = {
            conn: s.conn,
            index: i + 1,
            kind: 'postgres',
            request: r.text,
            same: true,
            diffs: [],
            recorded: r.recorded ?? null,
            replayed,
          };
          if (r.recorded === undefined) {
            c.note = cutOff(s)
              ? 'the capture cut this connection off before the answer'
              : 'no recorded answer';
          } else {
            c.diffs = compareResults(r.recorded, replayed);
            c.same = c.diffs.length === 0;
          }
          onCompare(c);
        }
        if (terminate) wire.write(terminate.raw);
      } finally {
        wire.close();
      }
    },
  };
}

const NAMES: Record<string, string> = {
  P: 'Parse',
  B: 'Bind',
  E: 'Execute',
  D: 'Describe',
  S: 'Sync',
  H: 'Flush',
  C: 'Close',
  F: 'FunctionCall',
  d: 'CopyData',
  c: 'CopyDone',
  f: 'CopyFail',
  Q: 'Query',
};

function describe(ms: FrontMessage[]): string {
  const q = ms.find((m) => m.type === 'Q' || m.type === 'P');
  if (q) {
    const body = q.raw.subarray(5);
    const start = q.type === 'P' ? body.indexOf(0) + 1 : 0;
    const sql = body.toString('utf8', start, body.indexOf(0, start)).replace(/\s+/g, ' ').trim();
    return sql.length > 70 ? sql.slice(0, 70) + '…' : sql;
  }
  return ms.map((m) => NAMES[m.type] ?? m.type).join(' ');
}
