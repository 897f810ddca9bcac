// MySQL/MariaDB replay at command level. Each recorded connection logs in again (the recorded
// user, schema and capabilities, a password from --password or MYSQL_PWD: the recorded auth
// response depends on the server's fresh scramble), then resends the client's commands one at a
// time with sequence id 0, reading each whole answer. Prepared statement ids are mapped: the id
// the target gives a COM_STMT_PREPARE replaces the recorded one in later EXECUTE/CLOSE/RESET.
// Compared per command: OK affected rows, ERR number + SQLSTATE, result set columns, row count
// and a digest of the rows.

import type { Session } from './load.js';
import { chunkAt, chunksIn, sideBytes } from './load.js';
import type { Comparison, Plan, ReplaySettings } from './types.js';
import { Wire } from './wire.js';
import { greeting, mysqlLogin, readPacket } from './mysql-auth.js';
import {
  NO_ANSWER,
  STMT_ID_COMMANDS,
  frame,
  fromList,
  packets,
  readAnswer,
  type Answer,
  type Negotiated,
} from './mysql-wire.js';
import { compareMysql } from './mysql-compare.js';
import { sleepUntil } from './pacing.js';
import { CaptureReadError } from '../capture/reader.js';
import { CAP, LOGIN_FIXED, MARIADB_CAP } from '../decoders/mysql/handshake.js';
import { COM, commandName } from '../decoders/mysql/commands.js';
import { cutOff } from './tcp-turns.js';

interface Command {
  cmd: number;
  payload: Buffer;
  text: string;
  time: number;
}

export function mysqlPlan(
  s: Session,
  file: string,
  settings: ReplaySettings,
): Plan | { skip: string } {
  const cps = packets(sideBytes(s, 'client'));
  const sps = packets(sideBytes(s, 'server'));
  const bad = (at: number, why: string): never => {
    throw new CaptureReadError(file, chunkAt(s, 'client', at)?.line ?? s.line, why);
  };
  const greet = sps[0]?.payload;
  if (!greet) return { skip: 'the capture has no server greeting for it' };
  if (greet[0] === 0xff) return { skip: 'the server refused the connection at capture time' };
  const login = cps[0];
  if (!login) return { skip: 'the capture has no login for it' };
  const fixed = login.payload.subarray(0, LOGIN_FIXED);
  const caps = fixed.length === LOGIN_FIXED ? fixed.readUInt32LE(0) : 0;
  if (!(caps & CAP.PROTOCOL_41)) return { skip: 'a pre-4.1 login (HandshakeResponse320)' };
  if (caps & CAP.SSL && login.payload.length === LOGIN_FIXED) {
    bad(
      login.at,
      `connection ${s.conn} switched to TLS, so its commands are not in the capture: capture with --ssl-mode=DISABLED (mariadb: --skip-ssl) or looptap --strip-tls`,
    );
  }
  const server = greeting(greet);
  const negotiated = (caps & server.caps) >>> 0;
  if (negotiated & (CAP.COMPRESS | CAP.ZSTD)) {
    bad(
      login.at,
      `connection ${s.conn} used protocol compression (--compress), which replay cannot resend yet: capture the session without --compress, or leave it out with --conn`,
    );
  }
  const ext = caps & CAP.MYSQL ? 0 : (fixed.readUInt32LE(28) & server.ext) >>> 0;
  const recordedNeg: Negotiated = {
    deprecateEof: (negotiated & CAP.DEPRECATE_EOF) !== 0,
    cacheMetadata: (ext & MARIADB_CAP.CACHE_METADATA) !== 0,
  };
  const queryAttrs = (negotiated & CAP.QUERY_ATTRIBUTES) !== 0;

  // user and schema: the capture masks the login's tail, the decoder's message keeps them
  const msg = s.messages.find((m) => m.from === 'client' && m.name === 'HandshakeResponse41');
  const fields = msg?.fields ?? {};
  const user = settings.user ?? (typeof fields.user === 'string' ? fields.user : undefined);
  if (user === undefined) return { skip: 'the capture does not say which user logged in' };
  const schema = typeof fields.schema === 'string' && fields.schema ? fields.schema : undefined;
  let password = settings.passwords.mysql;
  if (password === undefined) {
    if (fields.authData === '') password = '';
    else {
      bad(
        login.at,
        `connection ${s.conn} logged in as user "${user}" with a password and the capture holds no usable one${s.redacted.client ? ' (it was redacted)' : ''} (its answer to the server's scramble cannot be reused): set MYSQL_PWD or pass --password; nothing was sent`,
      );
    }
  }

  // the server's login ends at its first OK or ERR after the greeting
  const authEnd = sps.findIndex(
    (p, i) => i > 0 && (p.payload[0] === 0x00 || p.payload[0] === 0xff),
  );
  if (authEnd === -1) return { skip: 'the capture has no completed login for it' };
  if (sps[authEnd]!.payload[0] === 0xff) return { skip: 'its login was refused at capture time' };

  // commands: every client packet with sequence id 0 after the login, up to COM_QUIT
  const commands: Command[] = [];
  let quit: Buffer | undefined;
  for (const p of cps.slice(1)) {
    if (p.seq !== 0 || p.payload.length === 0) continue;
    const cmd = p.payload[0]!;
    if (cmd === COM.QUIT) {
      quit = p.payload;
      break;
    }
    const redacted = chunksIn(s, 'client', p.at, p.end).some((c) => c.redacted > 0);
    if (cmd === COM.CHANGE_USER) {
      bad(
        p.at,
        `connection ${s.conn} sent COM_CHANGE_USER, whose credentials the capture masks: it cannot be resent; leave the connection out with --conn`,
      );
    }
    const text = describe(cmd, p.payload, queryAttrs);
    if (redacted && p.payload.includes('***')) {
      bad(
        p.at,
        `connection ${s.conn} sent a statement whose secret the capture redacted (${text}): it cannot be resent; leave the connection out with --conn`,
      );
    }
    commands.push({
      cmd,
      payload: p.payload,
      text,
      time: chunkAt(s, 'client', p.at)?.time ?? s.start,
    });
  }

  return {
    conn: s.conn,
    kind: 'mysql',
    start: s.start,
    async run(settings: ReplaySettings, onCompare: (c: Comparison) => void) {
      // the recorded answers, in command order (nothing is sent for this)
      const src = fromList(sps, authEnd + 1);
      const recorded: Array<Answer | undefined> = [];
      let lost = false;
      for (const c of commands) {
        if (NO_ANSWER.has(c.cmd) || lost) {
          recorded.push(undefined);
          continue;
        }
        const a = await readAnswer(c.cmd, src.next, recordedNeg).catch(() => undefined);
        if (!a || a.incomplete) lost = true;
        recorded.push(a && !a.incomplete ? a : undefined);
      }

      const wire = await Wire.connect(settings.host, settings.port, settings.timeoutMs);
      const t0 = Date.now();
      const ids = new Map<number, number>();
      try {
        const neg = await mysqlLogin(
          wire,
          { user, schema, fixed, password: password! },
          settings.timeoutMs,
          s.conn,
        );
        const next = () => readPacket(wire, settings.timeoutMs);
        let index = 0;
        for (let i = 0; i < commands.length; i++) {
          const r = commands[i]!;
          if (settings.pace === 'recorded') await sleepUntil(t0 + (r.time - s.start));
          let payload = r.payload;
          if (STMT_ID_COMMANDS.has(r.cmd) && payload.length >= 5) {
            const live = ids.get(payload.readUInt32LE(1));
            if (live !== undefined) {
              payload = Buffer.from(payload);
              payload.writeUInt32LE(live, 1);
            }
          }
          wire.write(frame(payload, 0));
          if (NO_ANSWER.has(r.cmd)) continue;
          let got: Answer;
          try {
            got = await readAnswer(r.cmd, next, neg);
          } catch {
            got = { results: [], incomplete: true };
          }
          const rec = recorded[i];
          if (got.stmtId !== undefined && rec?.stmtId !== undefined)
            ids.set(rec.stmtId, got.stmtId);
          const c: Comparison = {
            conn: s.conn,
            index: ++index,
            kind: 'mysql',
            request: r.text,
            same: true,
            diffs: [],
            recorded: rec?.results ?? null,
            replayed: got.results,
          };
          if (rec === undefined) {
            c.note = cutOff(s)
              ? 'the capture cut this connection off before the answer'
              : 'no recorded answer';
          } else {
            c.diffs = compareMysql(rec.results, got.results);
            if (got.incomplete)
              c.diffs.push('the answer was cut off (the target closed or went silent)');
            c.same = c.diffs.length === 0;
          }
          onCompare(c);
          if (got.incomplete && wire.closed) break;
        }
        if (quit) wire.write(frame(quit, 0));
      } finally {
        wire.close();
      }
    },
  };
}

function sqlOf(payload: Buffer, queryAttrs: boolean): string {
  let start = 1;
  // CLIENT_QUERY_ATTRIBUTES: lenenc parameter count and set count come first (no attributes: 00 01)
  if (queryAttrs && payload[0] === COM.QUERY && payload[1] === 0 && payload[2] === 1) start = 3;
  const sql = payload.toString('utf8', start).replace(/\s+/g, ' ').trim();
  return sql.length > 70 ? sql.slice(0, 70) + '…' : sql;
}

function describe(cmd: number, payload: Buffer, queryAttrs: boolean): string {
  switch (cmd) {
    case COM.QUERY:
      return sqlOf(payload, queryAttrs);
    case COM.INIT_DB:
      return `use ${payload.toString('utf8', 1)}`;
    case COM.STMT_PREPARE:
      return `prepare ${sqlOf(payload, false)}`;
    case COM.STMT_EXECUTE:
      return `execute statement ${payload.readUInt32LE(1)}`;
    case 0x0e:
      return 'ping';
    default:
      return commandName(cmd);
  }
}
