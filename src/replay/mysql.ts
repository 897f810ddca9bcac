// MySQL/MariaDB replay at command level. Each recorded connection logs in again (the recorded
// user, schema and capabilities, a password from --password or MYSQL_PWD: the recorded auth
// response depends on the server's fresh scramble), then resends the client's commands one at a
// time with sequence id 0, reading each whole answer. Prepared statement ids are mapped: the id
// the target gives a COM_STMT_PREPARE replaces the recorded one in later EXECUTE/CLOSE/RESET.
// Compared per command: OK affected rows, ERR number + SQLSTATE, result set columns, row count
// and a digest of the rows. Packets are framed and read with the decoder's code.

import type { Session } from './load.js';
import { chunkAt, sideBytes } from './load.js';
import type { Comparison, Plan, ReplaySettings } from './types.js';
import { Wire } from './wire.js';
import { greetingOf, mysqlLogin, wirePackets, type LoginParams } from './mysql-auth.js';
import { fromList, readAnswer, type Answer, type NextPacket } from './mysql-answer.js';
import { packetAt, recordedCommands, redactedText, type Command } from './mysql-commands.js';
import { compareMysql } from './mysql-compare.js';
import { comparison } from './result-compare.js';
import { sleepUntil } from './pacing.js';
import { CaptureReadError } from '../capture/reader.js';
import { framePacket, negotiated, type Negotiated } from '../decoders/mysql/client-encode.js';
import { CAP, LOGIN_FIXED } from '../decoders/mysql/handshake.js';
import type { Column } from '../decoders/mysql/columns.js';
import { COM, NO_ANSWER, STMT_ID_COMMANDS } from '../decoders/mysql/commands.js';
import { wholePackets, type Packet } from '../decoders/mysql/packets.js';

type Bad = (at: number, why: string) => never;

interface RecordedLogin {
  fixed: Buffer;
  /** how the recorded answers read */
  neg: Negotiated;
  queryAttrs: boolean;
}

/** the recorded greeting and login: what the replay's login repeats and the answers' shape */
function recordedLogin(s: Session, cps: Packet[], sps: Packet[], bad: Bad): RecordedLogin | string {
  const greet = sps[0]?.data;
  if (!greet) return 'the capture has no server greeting for it';
  if (greet[0] === 0xff) return 'the server refused the connection at capture time';
  const login = cps[0];
  if (!login) return 'the capture has no login for it';
  const fixed = login.data.subarray(0, LOGIN_FIXED);
  const caps = fixed.length === LOGIN_FIXED ? fixed.readUInt32LE(0) : 0;
  if (!(caps & CAP.PROTOCOL_41)) return 'a pre-4.1 login (HandshakeResponse320)';
  if (caps & CAP.SSL && login.data.length === LOGIN_FIXED) {
    bad(
      packetAt(login),
      `connection ${s.conn} switched to TLS, so its commands are not in the capture: capture with --ssl-mode=DISABLED (mariadb: --skip-ssl) or looptap --strip-tls`,
    );
  }
  const server = greetingOf(greet);
  if (!server) return 'the capture has no readable server greeting for it';
  const both = (caps & server.caps) >>> 0;
  if (both & (CAP.COMPRESS | CAP.ZSTD)) {
    bad(
      packetAt(login),
      `connection ${s.conn} used protocol compression (--compress), which replay cannot resend yet: capture the session without --compress, or leave it out with --conn`,
    );
  }
  const ext = caps & CAP.MYSQL ? 0 : (fixed.readUInt32LE(28) & server.extCaps) >>> 0;
  return { fixed, neg: negotiated(both, ext), queryAttrs: (both & CAP.QUERY_ATTRIBUTES) !== 0 };
}

/** who logs in: the user and schema the decoder's message kept (the capture masks the login's
 * tail), and the password from the settings */
function loginParams(
  s: Session,
  settings: ReplaySettings,
  fixed: Buffer,
  at: number,
  bad: Bad,
): LoginParams | string {
  const msg = s.messages.find((m) => m.from === 'client' && m.name === 'HandshakeResponse41');
  const fields = msg?.fields ?? {};
  const user = settings.user ?? (typeof fields.user === 'string' ? fields.user : undefined);
  if (user === undefined) return 'the capture does not say which user logged in';
  const schema = typeof fields.schema === 'string' && fields.schema ? fields.schema : undefined;
  let password = settings.passwords.mysql;
  if (password === undefined) {
    if (fields.authData === '') password = '';
    else {
      bad(
        at,
        `connection ${s.conn} logged in as user "${user}" with a password and the capture holds no usable one${s.redacted.client ? ' (it was redacted)' : ''} (its answer to the server's scramble cannot be reused): set MYSQL_PWD or pass --password; nothing was sent`,
      );
    }
  }
  return { user, schema, fixed, password: password };
}

const stmtIdOf = (payload: Buffer): number =>
  payload[0] === COM.STMT_EXECUTE && payload.length >= 5 ? payload.readUInt32LE(1) : -1;

/** the recorded answers, in command order (nothing is sent for this) */
async function recordedAnswers(
  commands: Command[],
  next: NextPacket,
  neg: Negotiated,
): Promise<Array<Answer | undefined>> {
  const out: Array<Answer | undefined> = [];
  const defs = new Map<number, Column[]>();
  let lost = false;
  for (const c of commands) {
    if (NO_ANSWER.has(c.cmd) || lost) {
      out.push(undefined);
      continue;
    }
    const known = defs.get(stmtIdOf(c.payload));
    const a = await readAnswer(c.cmd, next, neg, known).catch(() => undefined);
    if (!a || a.incomplete) lost = true;
    if (a?.stmtId !== undefined && a.defs) defs.set(a.stmtId, a.defs);
    out.push(a && !a.incomplete ? a : undefined);
  }
  return out;
}

/** One live connection's commands: statement ids mapped to the target's, answers read. */
class LiveSession {
  private readonly ids = new Map<number, number>();
  private readonly defs = new Map<number, Column[]>();

  constructor(
    private readonly wire: Wire,
    private readonly next: NextPacket,
    private readonly neg: Negotiated,
  ) {}

  /** sends one command; its answer, or undefined for a command the server never answers */
  async ask(c: Command, recorded: Answer | undefined): Promise<Answer | undefined> {
    let payload = c.payload;
    if (STMT_ID_COMMANDS.has(c.cmd) && payload.length >= 5) {
      const live = this.ids.get(payload.readUInt32LE(1));
      if (live !== undefined) {
        payload = Buffer.from(payload);
        payload.writeUInt32LE(live, 1);
      }
    }
    this.wire.write(framePacket(payload, 0));
    if (NO_ANSWER.has(c.cmd)) return undefined;
    let got: Answer;
    try {
      got = await readAnswer(c.cmd, this.next, this.neg, this.defs.get(stmtIdOf(payload)));
    } catch {
      got = { results: [], incomplete: true };
    }
    if (got.stmtId !== undefined && got.defs) this.defs.set(got.stmtId, got.defs);
    if (got.stmtId !== undefined && recorded?.stmtId !== undefined) {
      this.ids.set(recorded.stmtId, got.stmtId);
    }
    return got;
  }
}

function answerComparison(
  s: Session,
  index: number,
  c: Command,
  rec: Answer | undefined,
  got: Answer,
): Comparison {
  const asked = { conn: s.conn, index, kind: 'mysql' as const, request: c.text };
  return comparison(asked, s, rec?.results, got.results, (recorded) => {
    const diffs = compareMysql(recorded, got.results);
    if (got.incomplete) diffs.push('the answer was cut off (the target closed or went silent)');
    return diffs;
  });
}

/** a command the capture masked: never sent, whatever the caller did with plan.redacted */
function notSent(s: Session, index: number, c: Command): Comparison {
  return {
    conn: s.conn,
    index,
    kind: 'mysql',
    request: redactedText(c.text),
    same: false,
    diffs: ['not sent: the capture masked a secret in it'],
    recorded: null,
    replayed: null,
  };
}

export function mysqlPlan(
  s: Session,
  file: string,
  settings: ReplaySettings,
): Plan | { skip: string } {
  const cps = wholePackets(sideBytes(s, 'client'));
  const sps = wholePackets(sideBytes(s, 'server'));
  const bad: Bad = (at, why) => {
    throw new CaptureReadError(file, chunkAt(s, 'client', at)?.line ?? s.line, why);
  };
  const rec = recordedLogin(s, cps, sps, bad);
  if (typeof rec === 'string') return { skip: rec };
  const login = loginParams(s, settings, rec.fixed, packetAt(cps[0]!), bad);
  if (typeof login === 'string') return { skip: login };

  // the server's login ends at its first OK or ERR after the greeting
  const authEnd = sps.findIndex((p, i) => i > 0 && (p.data[0] === 0x00 || p.data[0] === 0xff));
  if (authEnd === -1) return { skip: 'the capture has no completed login for it' };
  if (sps[authEnd]!.data[0] === 0xff) return { skip: 'its login was refused at capture time' };
  const { commands, redacted, quit } = recordedCommands(s, cps.slice(1), rec.queryAttrs);

  return {
    conn: s.conn,
    kind: 'mysql',
    start: s.start,
    // this plan leaves out its redacted commands itself under --skip-redacted
    ...(redacted.length ? { redacted, skipsRedacted: true } : {}),
    async run(settings: ReplaySettings, onCompare: (c: Comparison) => void) {
      const recorded = await recordedAnswers(commands, fromList(sps, authEnd + 1).next, rec.neg);
      const wire = await Wire.connect(settings.host, settings.port, settings.timeoutMs);
      const t0 = Date.now();
      try {
        const next = wirePackets(wire, settings.timeoutMs);
        const neg = await mysqlLogin(wire, next, login, s.conn);
        const live = new LiveSession(wire, next, neg);
        let index = 0;
        for (let i = 0; i < commands.length; i++) {
          const c = commands[i]!;
          if (settings.pace === 'recorded') await sleepUntil(t0 + (c.time - s.start));
          if (c.redacted) {
            // --skip-redacted leaves it out quietly (the engine lists it); anything else
            // would be a replay that lied
            if (!NO_ANSWER.has(c.cmd)) index++;
            if (!settings.skipRedacted && !NO_ANSWER.has(c.cmd)) onCompare(notSent(s, index, c));
            continue;
          }
          const got = await live.ask(c, recorded[i]);
          if (!got) continue;
          onCompare(answerComparison(s, ++index, c, recorded[i], got));
          if (got.incomplete && wire.closed) break;
        }
        if (quit) wire.write(framePacket(quit, 0));
      } finally {
        wire.close();
      }
    },
  };
}
