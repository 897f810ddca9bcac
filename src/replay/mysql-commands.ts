// The commands of one recorded MySQL/MariaDB connection, as replay resends them: every client
// packet with sequence id 0 after the login, up to COM_QUIT, with the line that names it and
// whether the capture masked bytes of it (then it is never sent: Plan.redacted).

import type { Session } from './load.js';
import { chunkAt } from './load.js';
import type { RedactedRequest } from './types.js';
import { COM, NO_ANSWER, commandName } from '../decoders/mysql/commands.js';
import type { Packet } from '../decoders/mysql/packets.js';

export interface Command {
  cmd: number;
  payload: Buffer;
  text: string;
  time: number;
  /** the capture masked bytes of it: never sent (Plan.redacted) */
  redacted?: boolean;
}

export interface Commands {
  commands: Command[];
  redacted: RedactedRequest[];
  /** the recorded COM_QUIT, sent at the end as it was */
  quit?: Buffer;
}

/** offset of a packet's header in its direction */
export const packetAt = (p: Packet): number => p.start - 4;

/** `packets`: the client's packets after its login */
export function recordedCommands(s: Session, packets: Packet[], queryAttrs: boolean): Commands {
  const out: Commands = { commands: [], redacted: [] };
  let index = 0;
  for (const p of packets) {
    if (p.seq !== 0 || p.data.length === 0) continue;
    const cmd = p.data[0]!;
    if (cmd === COM.QUIT) {
      out.quit = p.data;
      break;
    }
    const text = describe(cmd, p.data, queryAttrs);
    const c: Command = {
      cmd,
      payload: p.data,
      text,
      time: chunkAt(s, 'client', packetAt(p))?.time ?? s.start,
    };
    if (!NO_ANSWER.has(cmd)) index++;
    // COM_CHANGE_USER's credentials are masked whole; a statement with a masked literal would
    // send the mask itself (a password of asterisks)
    if (cmd === COM.CHANGE_USER || masked(s, p)) {
      c.redacted = true;
      out.redacted.push({
        conn: s.conn,
        index,
        request:
          cmd === COM.CHANGE_USER
            ? 'COM_CHANGE_USER REDACTED'
            : redactedText(cmd === COM.QUERY ? sqlOf(p.data, queryAttrs, 200) : text),
        hint: `no --secret fills a MySQL statement: leave it out with --skip-redacted (or connection ${s.conn} with --conn), or capture with --no-redact`,
      });
    }
    out.commands.push(c);
  }
  return out;
}

/** a packet some of whose bytes the capture masked (a chunk with masked bytes holds a `*` of it) */
function masked(s: Session, p: Packet): boolean {
  const at = packetAt(p);
  let pos = 0;
  for (const c of s.chunks) {
    if (c.from !== 'client') continue;
    const start = pos;
    pos += c.bytes.length;
    if (c.redacted === 0 || pos <= at || start >= p.end) continue;
    const a = Math.max(at, start) - start;
    const b = Math.min(p.end, pos) - start;
    if (c.bytes.subarray(a, b).includes(0x2a)) return true;
  }
  return false;
}

/** the request line with each run of mask bytes shown as REDACTED */
export function redactedText(text: string): string {
  return text.replace(/\*{3,}/g, 'REDACTED');
}

function sqlOf(payload: Buffer, queryAttrs: boolean, max = 70): string {
  let start = 1;
  // CLIENT_QUERY_ATTRIBUTES: lenenc parameter count and set count come first (no attributes: 00 01)
  if (queryAttrs && payload[0] === COM.QUERY && payload[1] === 0 && payload[2] === 1) start = 3;
  const sql = payload.toString('utf8', start).replace(/\s+/g, ' ').trim();
  return sql.length > max ? sql.slice(0, max) + '…' : sql;
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
    case COM.PING:
      return 'ping';
    default:
      return commandName(cmd);
  }
}
