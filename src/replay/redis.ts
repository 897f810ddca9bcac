// Redis replay: the recorded commands, one at a time, each answer compared with the recorded
// reply. AUTH (and HELLO ... AUTH) are resent with the password from --password or
// REDISCLI_AUTH, never with the capture's masked bytes. Replies that are different on every run
// (INFO, TIME, CLIENT ID, ...) are sent but not compared.

import type { Session } from './load.js';
import { chunkAt, chunksIn, sideBytes } from './load.js';
import type { Comparison, Plan, ReplaySettings } from './types.js';
import { Wire } from './wire.js';
import { parseResp, type Resp } from './resp.js';
import { valueDiff } from './diff.js';
import { sleepUntil } from './pacing.js';
import { CaptureReadError } from '../capture/reader.js';
import { cutOff } from './tcp-turns.js';

// COMMAND (DOCS) describes the server, and its subcommand tables come in hash order
const VOLATILE = new Set([
  'COMMAND',
  'INFO',
  'TIME',
  'CLIENT',
  'LASTSAVE',
  'SLOWLOG',
  'LATENCY',
  'MEMORY',
  'DEBUG',
  'ROLE',
  'RANDOMKEY',
  'SRANDMEMBER',
  'SPOP',
]);
/** HELLO's map names the server and the connection: only the protocol version is compared */
const HELLO_IGNORE = ['$.server', '$.version', '$.id', '$.mode', '$.role', '$.modules'];

interface Command {
  args: string[];
  raw: Buffer;
  time: number;
  recorded?: Resp;
}

function encode(args: string[]): Buffer {
  return Buffer.from(
    `*${args.length}\r\n` + args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join(''),
  );
}

export function redisPlan(s: Session, file: string, settings: ReplaySettings): Plan {
  const client = sideBytes(s, 'client');
  const server = sideBytes(s, 'server');
  const commands: Command[] = [];
  let pos = 0;
  while (pos < client.length) {
    const p = parseResp(client, pos);
    if (!p) break; // cut off mid-command: the rest was never complete
    let raw = client.subarray(pos, p.end);
    const args = p.args ?? [];
    const verb = (args[0] ?? '').toUpperCase();
    const masked = chunksIn(s, 'client', pos, p.end).some((c) => c.redacted > 0);
    const secret =
      verb === 'AUTH' || (verb === 'HELLO' && args.some((a) => a.toUpperCase() === 'AUTH'));
    if (secret && (masked || settings.passwords.redis !== undefined)) {
      if (settings.passwords.redis === undefined) {
        throw new CaptureReadError(
          file,
          chunkAt(s, 'client', pos)?.line ?? s.line,
          `connection ${s.conn} sends ${verb} with a password the capture redacted: set REDISCLI_AUTH or pass --password; nothing was sent`,
        );
      }
      const a = [...args];
      if (verb === 'AUTH') a[a.length - 1] = settings.passwords.redis;
      else {
        const i = a.findIndex((x) => x.toUpperCase() === 'AUTH');
        if (settings.user) a[i + 1] = settings.user;
        a[i + 2] = settings.passwords.redis;
      }
      if (verb === 'AUTH' && a.length === 3 && settings.user) a[1] = settings.user;
      raw = encode(a);
    }
    commands.push({ args, raw, time: chunkAt(s, 'client', pos)?.time ?? s.start });
    pos = p.end;
  }
  let at = 0;
  for (const c of commands) {
    const p = parseResp(server, at);
    if (!p) break;
    c.recorded = p.value;
    at = p.end;
  }
  return {
    conn: s.conn,
    kind: 'redis',
    start: s.start,
    async run(settings: ReplaySettings, onCompare: (c: Comparison) => void) {
      const wire = await Wire.connect(settings.host, settings.port, settings.timeoutMs);
      const t0 = Date.now();
      try {
        for (let i = 0; i < commands.length; i++) {
          const c = commands[i]!;
          if (settings.pace === 'recorded') await sleepUntil(t0 + (c.time - s.start));
          wire.write(c.raw);
          await wire.until((p) => parseResp(p, 0) !== undefined, settings.timeoutMs);
          const p = parseResp(wire.pending, 0);
          if (p) wire.take(p.end);
          const replayed = p ? p.value : null;
          const verb = (c.args[0] ?? '').toUpperCase();
          const secret = verb === 'AUTH' || verb === 'HELLO';
          const cmp: Comparison = {
            conn: s.conn,
            index: i + 1,
            kind: 'redis',
            request: secret ? `${verb} [redacted]` : c.args.join(' ').slice(0, 80),
            same: true,
            diffs: [],
            recorded: c.recorded ?? null,
            replayed: p ? replayed : { error: 'no answer' },
          };
          if (c.recorded === undefined) {
            cmp.note = cutOff(s)
              ? 'the capture cut this connection off before the answer'
              : 'no recorded answer';
          } else if (VOLATILE.has(verb)) {
            cmp.note = 'answer differs on every run: not compared';
          } else {
            cmp.diffs = p
              ? valueDiff(c.recorded, replayed, verb === 'HELLO' ? HELLO_IGNORE : [])
              : ['no answer from the target'];
            cmp.same = cmp.diffs.length === 0;
          }
          onCompare(cmp);
        }
      } finally {
        wire.close();
      }
    },
  };
}
