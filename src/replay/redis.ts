// Redis replay: the recorded commands, one at a time, each answer compared with the recorded
// reply. Both sides are read with the decoder's framers (redis-commands.ts, resp.ts). A command
// whose secret the capture masked (AUTH, HELLO AUTH, CONFIG SET requirepass, ACL SETUSER >pw,
// MIGRATE AUTH, ...) is never resent with the mask: it gets the value from --secret (or
// --password / REDISCLI_AUTH for logins), or it is listed in Plan.redacted and replay refuses
// to start. Replies that are different on every run (INFO, TIME, CLIENT ID, ...) are sent but
// not compared.

import type { Session } from './load.js';
import { sideBytes } from './load.js';
import type { Comparison, Plan, RedactedRequest, ReplaySettings } from './types.js';
import { Wire } from './wire.js';
import { RespStream, type Reply } from './resp.js';
import { valueDiff } from './diff.js';
import { sleepUntil } from './pacing.js';
import { cutOff } from './tcp-turns.js';
import { recordedCommands, type RecordedCommand } from './redis-commands.js';
import { configGetSecret } from '../decoders/redis/secrets.js';

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

export function redisPlan(s: Session, _file: string, settings: ReplaySettings): Plan {
  const commands = recordedCommands(s, settings);
  const recorded = recordedReplies(sideBytes(s, 'server'), commands);
  const redacted: RedactedRequest[] = [];
  commands.forEach((c, i) => {
    if (c.missing.length) {
      redacted.push({ conn: s.conn, index: i + 1, request: c.text, hint: hintFor(c.missing) });
    }
  });
  return {
    conn: s.conn,
    kind: 'redis',
    start: s.start,
    redacted,
    skipsRedacted: true,
    requests: commands.length - (settings.skipRedacted ? redacted.length : 0),
    async run(settings: ReplaySettings, onCompare: (c: Comparison) => void) {
      const wire = await Wire.connect(settings.host, settings.port, settings.timeoutMs);
      const stream = new RespStream();
      const t0 = Date.now();
      try {
        for (let i = 0; i < commands.length; i++) {
          const c = commands[i]!;
          if (c.missing.length) continue; // only with --skip-redacted: the engine refuses otherwise
          if (settings.pace === 'recorded') await sleepUntil(t0 + (c.time - s.start));
          stream.secretChild = isConfigGet(c) ? configGetSecret : undefined;
          wire.write(c.bytes);
          let got: Reply | undefined;
          await wire.until((p) => {
            stream.feed(Buffer.from(wire.take(p.length)));
            for (got = stream.next(); got?.push; got = stream.next());
            return got !== undefined || stream.failed !== undefined;
          }, settings.timeoutMs);
          onCompare(compare(s, i, c, recorded[i], got, stream.failed));
        }
      } finally {
        wire.close();
      }
    },
  };
}

function isConfigGet(c: RecordedCommand): boolean {
  return c.verb === 'CONFIG' && (c.cmd.args[1] ?? '').toLowerCase() === 'get';
}

/** the recorded reply of each command, in order (pushes are not replies) */
function recordedReplies(server: Buffer, commands: RecordedCommand[]): Array<Reply | undefined> {
  const stream = new RespStream();
  stream.feed(server);
  return commands.map((c) => {
    stream.secretChild = isConfigGet(c) ? configGetSecret : undefined;
    let r = stream.next();
    while (r?.push) r = stream.next();
    return r;
  });
}

function compare(
  s: Session,
  i: number,
  c: RecordedCommand,
  recorded: Reply | undefined,
  replayed: Reply | undefined,
  failed: string | undefined,
): Comparison {
  const cmp: Comparison = {
    conn: s.conn,
    index: i + 1,
    kind: 'redis',
    request: c.text,
    same: true,
    diffs: [],
    recorded: recorded ? recorded.value : null,
    replayed: replayed ? replayed.value : { error: 'no answer' },
  };
  if (recorded === undefined) {
    cmp.note = cutOff(s)
      ? 'the capture cut this connection off before the answer'
      : 'no recorded answer';
  } else if (VOLATILE.has(c.verb)) {
    cmp.note = 'answer differs on every run: not compared';
  } else if (!replayed) {
    cmp.diffs = [
      failed ? `the target's answer is not RESP (${failed})` : 'no answer from the target',
    ];
  } else {
    const ignore = c.verb === 'HELLO' ? HELLO_IGNORE : [];
    cmp.diffs = valueDiff(recorded.value, replayed.value, ignore, '$', [], showValue);
    if (cmp.diffs.length === 0 && recorded.digest !== replayed.digest) {
      // both were cut at the same place: the bytes past the cut decide
      cmp.diffs = [
        `reply bytes past the first ones differ (digest ${recorded.digest ?? 'none'} -> ${replayed.digest ?? 'none'})`,
      ];
    }
  }
  cmp.same = cmp.diffs.length === 0;
  return cmp;
}

/** strings as the decoder shows them (binary already \xHH): quoted once, not JSON-escaped again */
function showValue(v: unknown): string {
  if (typeof v !== 'string') return v === undefined ? 'absent' : cut(JSON.stringify(v));
  return cut('"' + v.replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\r/g, '\\r') + '"');
}

const cut = (s: string): string => (s.length > 80 ? s.slice(0, 80) + '…' : s);

function hintFor(missing: string[]): string {
  return missing
    .map((n) =>
      n === 'redis.password'
        ? 'set REDISCLI_AUTH, pass --password or --secret redis.password=VALUE'
        : n === 'redis.user'
          ? 'pass --user or --secret redis.user=NAME (inline AUTH masks the user too)'
          : n.startsWith('(')
            ? `${n}: leave it out with --skip-redacted`
            : `--secret ${n}=VALUE`,
    )
    .join('; ');
}
