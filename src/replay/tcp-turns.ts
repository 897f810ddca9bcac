// Replay for any TCP protocol: the recorded conversation as turns, each the bytes the client
// sent before the server answered, and the server's answer. We send a turn, wait until as many
// bytes came back as were recorded (or the answer goes quiet, or the server closes), and compare
// bytes. Chunk boundaries mean nothing on TCP, so only the order of client and server bytes does.
//
//   client c1 c2 | server s1 | client c3 | server s2 s3   ──▶   [c1c2 → s1] [c3 → s2s3]

import type { Session } from './load.js';
import type { Comparison, Plan, RedactedRequest, ReplaySettings } from './types.js';
import { Wire } from './wire.js';
import { bytesDiff, preview } from './diff.js';
import { sleepUntil } from './pacing.js';

export interface Turn {
  send: Buffer;
  expect: Buffer;
  /** capture time of the turn's first client byte */
  time: number;
  /** client bytes of this turn that redaction masked: the turn cannot be resent as captured */
  redacted: number;
}

export function turnsOf(s: Session): Turn[] {
  const turns: Turn[] = [];
  let send: Buffer[] = [];
  let expect: Buffer[] = [];
  let time = s.start;
  let redacted = 0;
  const flush = (): void => {
    if (send.length || expect.length) {
      turns.push({ send: Buffer.concat(send), expect: Buffer.concat(expect), time, redacted });
    }
    send = [];
    expect = [];
    redacted = 0;
  };
  for (const c of s.chunks) {
    if (c.from === 'client') {
      if (expect.length) flush();
      if (send.length === 0) time = c.time;
      send.push(c.bytes);
      redacted += c.redacted;
    } else {
      expect.push(c.bytes);
    }
  }
  flush();
  return turns;
}

/** the capture stopped or a side reset before the conversation ended cleanly */
export function cutOff(s: Session): boolean {
  return s.closed === undefined || s.closed.endsWith('_reset') || s.closed === 'shutdown';
}

const turnText = (turn: Turn, i: number): string =>
  `turn ${i + 1}: ${turn.send.length ? preview(turn.send, 30) : '(server first)'} (${turn.send.length} bytes)`;

export function tcpPlan(s: Session, settings?: ReplaySettings): Plan {
  const turns = turnsOf(s);
  // raw bytes have no names to fill a value into: a masked turn can only be left out
  const redacted: RedactedRequest[] = turns.flatMap((turn, i) =>
    turn.redacted > 0
      ? [
          {
            conn: s.conn,
            index: i + 1,
            request: `${turnText(turn, i)}, ${turn.redacted} bytes redacted`,
            hint: 'raw bytes cannot be filled in: leave the turn out with --skip-redacted, or the connection with --conn',
          },
        ]
      : [],
  );
  return {
    conn: s.conn,
    kind: 'tcp',
    start: s.start,
    redacted,
    skipsRedacted: true,
    requests: turns.length - (settings?.skipRedacted ? redacted.length : 0),
    async run(settings: ReplaySettings, onCompare: (c: Comparison) => void) {
      const wire = await Wire.connect(settings.host, settings.port, settings.timeoutMs);
      const t0 = Date.now();
      try {
        for (let i = 0; i < turns.length; i++) {
          const turn = turns[i]!;
          const last = i === turns.length - 1;
          if (turn.redacted > 0) continue; // only with --skip-redacted: the engine refuses otherwise
          if (settings.pace === 'recorded') await sleepUntil(t0 + (turn.time - s.start));
          wire.write(turn.send);
          if (last && s.ended.client) wire.end();
          const want = turn.expect.length;
          const partial = last && cutOff(s);
          if (want > 0 || last) {
            await wire.until(
              (p) => !partial && want > 0 && p.length >= want,
              settings.timeoutMs,
              settings.quietMs,
            );
          }
          const got = wire.take(wire.pending.length);
          // a connection cut off in the capture has a partial last answer: a longer one is fine
          const same = partial
            ? got.subarray(0, want).equals(turn.expect)
            : got.equals(turn.expect);
          const c: Comparison = {
            conn: s.conn,
            index: i + 1,
            kind: 'tcp',
            request: turnText(turn, i),
            same,
            diffs: same ? [] : bytesDiff('answer bytes', turn.expect, got),
            recorded: { bytes: turn.expect.length, data: turn.expect.toString('base64') },
            replayed: { bytes: got.length, data: got.toString('base64') },
          };
          if (partial)
            c.note = 'the capture cut this connection off here; compared the recorded part';
          onCompare(c);
        }
      } finally {
        wire.close();
      }
    },
  };
}
