// The client's side of a recorded Redis connection, read with the decoder's own framer
// (RequestReader: RESP multibulk and inline, empty lines ignored as Redis ignores them), with
// each command's exact bytes and the ranges the decoder marks as secrets. A secret whose bytes
// the capture masked is never resent: it is filled from --secret / --password, or the command
// is listed as redacted (Plan.redacted) and replay refuses to start.
//
//   client bytes ─▶ RequestReader(keepRaw) ─▶ [cmd, start..end, secret ranges] ─▶ SecretSlot[]

import { ByteQueue } from '../decoders/byte-queue.js';
import type { ParsedCommand } from '../decoders/redis/command-args.js';
import { commandSummary } from '../decoders/redis/format.js';
import { REDACTED } from '../decoders/summary-text.js';
import { RequestReader } from '../decoders/redis/request.js';
import { encodeCommand } from '../decoders/redis/encode.js';
import { MASK_BYTE } from '../relay/redactor.js';
import type { Session } from './load.js';
import { chunkAt, sideBytes } from './load.js';
import type { ReplaySettings } from './types.js';

export interface RecordedCommand {
  cmd: ParsedCommand;
  /** the exact bytes to send (as captured, or rebuilt with the secrets filled in) */
  bytes: Buffer;
  time: number;
  /** upper-case command name */
  verb: string;
  /** one line naming it, secrets as [redacted]: `CONFIG SET requirepass [redacted]` */
  text: string;
  /** names of masked secrets nobody supplied: the command cannot be sent */
  missing: string[];
}

/** bytes of one command kept as text and exact arguments: enough to rebuild any command that
 * carries a secret; a longer one is resent as captured, or refused if it needs a value filled */
const KEEP = 1024 * 1024;

interface Secret {
  arg: number;
  start: number;
  end: number;
}

/** every complete command the client sent (a command cut off by the capture's end is dropped) */
export function recordedCommands(s: Session, settings: ReplaySettings): RecordedCommand[] {
  const client = sideBytes(s, 'client');
  const q = new ByteQueue();
  const masks = new Map<number, number>();
  const reader = new RequestReader(q, KEEP, true, (start, end) => void masks.set(start, end), true);
  q.push(client);
  const out: RecordedCommand[] = [];
  let start = 0;
  for (let cmd = reader.next(); cmd; cmd = reader.next()) {
    const end = q.offset;
    // empty lines before a command are not part of it (redis-cli --pipe sends them)
    while (start < end && (client[start] === 0x0d || client[start] === 0x0a)) start++;
    const secrets = secretsOf(cmd, start, end, masks);
    out.push(build(s, cmd, client, start, end, secrets, settings));
    start = end;
  }
  return out;
}

/** the secret arguments of one command, paired with their byte ranges */
function secretsOf(
  cmd: ParsedCommand,
  start: number,
  end: number,
  masks: Map<number, number>,
): Secret[] {
  const ranges = [...masks.entries()]
    .filter(([s]) => s >= start && s < end)
    .sort((a, b) => a[0] - b[0]);
  const args = cmd.args.flatMap((a, i) => (a === REDACTED ? [i] : []));
  // a zero-length secret has no range: only pair when the counts agree
  if (ranges.length !== args.length) return args.map((arg) => ({ arg, start: -1, end: -1 }));
  return args.map((arg, k) => ({ arg, start: ranges[k]![0], end: ranges[k]![1] }));
}

function masked(client: Buffer, sec: Secret): boolean {
  if (sec.start < 0) return true; // cannot tell: treat as masked, never resend blind
  for (let i = sec.start; i < sec.end && i < client.length; i++) {
    if (client[i] !== MASK_BYTE) return false;
  }
  return sec.end > sec.start;
}

function build(
  s: Session,
  cmd: ParsedCommand,
  client: Buffer,
  start: number,
  end: number,
  secrets: Secret[],
  settings: ReplaySettings,
): RecordedCommand {
  const verb = (cmd.args[0] ?? '').toUpperCase();
  const rec: RecordedCommand = {
    cmd,
    bytes: client.subarray(start, end),
    time: chunkAt(s, 'client', start)?.time ?? s.start,
    verb,
    // named as the decoder names it in the capture: one quoting rule (decoders/redis/format.ts)
    text: commandSummary(cmd),
    missing: [],
  };
  const login = verb === 'AUTH' || verb === 'HELLO';
  const supplied = settings.secrets ?? {};
  const password = supplied['redis.password'] ?? settings.passwords.redis;
  const fill = new Map<number, Buffer>();
  let aclRules = 0;
  const user = supplied['redis.user'] ?? settings.user;
  for (const sec of secrets) {
    const name = secretName(cmd, sec.arg, aclRules);
    if (name.startsWith('redis.acl.')) aclRules++;
    const given =
      name === 'redis.password' ? password : name === 'redis.user' ? user : supplied[name];
    // a value given replaces the recorded one, masked or not (a --no-redact capture)
    if (given !== undefined) fill.set(sec.arg, Buffer.from(given));
    else if (masked(client, sec)) rec.missing.push(name);
  }
  if (login && settings.user) {
    const at = userArg(cmd);
    if (at !== undefined && !fill.has(at)) fill.set(at, Buffer.from(settings.user));
  }
  if (fill.size > 0 && rec.missing.length === 0) {
    if (!cmd.raw || cmd.truncated || cmd.argc !== cmd.raw.length) {
      rec.missing.push('(a command too long to rebuild)');
    } else rec.bytes = encodeCommand(cmd.raw.map((a, i) => fill.get(i) ?? a));
  }
  return rec;
}

/** the name a masked argument is supplied under with --secret NAME=VALUE (docs/replay.md) */
export function secretName(cmd: ParsedCommand, arg: number, aclBefore: number): string {
  const a = cmd.args.map((x) => x.toLowerCase());
  switch (a[0]) {
    case 'auth':
      // inline AUTH masks every argument: the user of `AUTH user pw` too
      return cmd.argc === 3 && arg === 1 ? 'redis.user' : 'redis.password';
    case 'hello':
      return 'redis.password';
    case 'config':
      return `redis.${a[arg - 1] ?? 'config'}`;
    case 'acl': {
      const user = cmd.args[2] ?? 'user';
      return aclBefore === 0 ? `redis.acl.${user}` : `redis.acl.${user}.${aclBefore + 1}`;
    }
    case 'migrate':
      return 'redis.migrate.password';
    case 'sentinel':
      return `redis.sentinel.${a[arg - 1] ?? 'auth-pass'}`;
    default:
      return `redis.${a[0] ?? 'secret'}`;
  }
}

/** AUTH user pw / HELLO 3 AUTH user pw: the index of the user argument */
function userArg(cmd: ParsedCommand): number | undefined {
  const a = cmd.args.map((x) => x.toLowerCase());
  if (a[0] === 'auth') return cmd.argc === 3 ? 1 : undefined;
  const i = a.indexOf('auth', 2);
  return i > 0 && i + 2 < cmd.argc ? i + 1 : undefined;
}
