// Redaction canaries: Authorization (Basic and Bearer), Cookie and Set-Cookie values must not
// appear in any message or in the masked raw streams, however the bytes are split; with
// redact=false they must be visible (so this test can fail).

import t from 'tap';
import { http } from '../../../src/decoders/http/index.js';
import type { Mask } from '../../../src/decoders/decoder.js';
import { DEFAULT_DECODER_OPTIONS } from '../../../src/decoders/decoder.js';
import type { From } from '../../../src/events.js';
import { oneByte, prng, randomSplits, secretForms, splitAt } from '../../helpers/feed.js';
import { CANARY, loadFixture, maskedStreams, run } from '../../helpers/http-sessions.js';

const steps = loadFixture('secrets');
const secrets = Object.values(CANARY);
const forms = secrets.flatMap((s) => secretForms(s));

function leaks(text: string): string[] {
  return forms.filter((f) => text.includes(f));
}

function streamText(s: Record<From, Buffer>): string {
  return [s.client, s.server]
    .map((b) => `${b.toString('latin1')}\n${b.toString('base64')}\n${b.toString('hex')}`)
    .join('\n');
}

t.test('no canary in messages or masked streams, any chunking', (t) => {
  const splitters = [
    ['as captured', undefined],
    ['one byte', oneByte],
    ...Array.from({ length: 210 }, (_, i) => [`split at ${i + 1}`, splitAt(i + 1)] as const),
    ...Array.from({ length: 10 }, (_, i) => [`seed ${i}`, randomSplits(prng(i + 100), 7)] as const),
  ] as const;
  let bad = 0;
  for (const [label, split] of splitters) {
    const r = run(http, steps, split);
    const found = [
      ...leaks(JSON.stringify(r.messages)),
      ...leaks(streamText(maskedStreams(steps, r.masks))),
    ];
    if (found.length > 0 || r.messages.length !== 4) {
      bad++;
      t.fail(`${label}: leaked ${found.join(', ')}`);
    }
  }
  t.equal(bad, 0, `${splitters.length} chunkings, no leak`);
  const r = run(http, steps);
  t.match(r.messages[0]!.fields, {
    headers: { authorization: '[redacted]', cookie: '[redacted]' },
  });
  t.match(r.messages[1]!.fields, { headers: { 'set-cookie': ['[redacted]', '[redacted]'] } });
  t.match(r.messages[2]!.fields, { headers: { authorization: '[redacted]', 'x-trace': '1' } });
  t.end();
});

t.test('masks cover each secret byte by the time it is pushed', (t) => {
  const dec = http.create(DEFAULT_DECODER_OPTIONS);
  const masks = new Map<string, Mask>();
  const offset: Record<From, number> = { client: 0, server: 0 };
  const stream = maskedStreams(steps, []);
  const secretRanges = (from: From): Array<[number, number]> =>
    secrets.flatMap((s) => {
      const i = stream[from].indexOf(s);
      return i === -1 ? [] : [[i, i + s.length] as [number, number]];
    });
  const ranges = { client: secretRanges('client'), server: secretRanges('server') };
  t.equal(ranges.client.length + ranges.server.length, 4, 'all four canaries are in the streams');
  let uncovered = 0;
  for (const s of steps) {
    if ('end' in s) continue;
    for (const piece of oneByte(s.bytes)) {
      const step = dec.push(s.from, Buffer.from(piece), s.t);
      for (const m of step.masks ?? []) masks.set(`${m.from}:${m.start}`, m);
      const o = offset[s.from]++;
      const secret = ranges[s.from].some(([a, b]) => o >= a && o < b);
      const covered = [...masks.values()].some(
        (m) => m.from === s.from && o >= m.start && o < m.end,
      );
      if (secret && !covered) uncovered++;
    }
  }
  t.equal(uncovered, 0, 'no secret byte passed before its mask');
  t.end();
});

t.test('redact=false keeps the secrets (the canary test can fail)', (t) => {
  const r = run(http, steps, undefined, { redact: false });
  t.same(r.masks, []);
  const text = JSON.stringify(r.messages);
  for (const s of secrets) t.ok(text.includes(s), `message shows ${s.slice(0, 12)}…`);
  t.ok(leaks(streamText(maskedStreams(steps, r.masks))).length > 0, 'raw stream shows them');
  t.end();
});

t.test('secret in trailers and in an obs-fold continuation line', (t) => {
  const tok = 'CANARYtrailer55aa';
  const fold = 'CANARYfold77bb';
  const s = [
    {
      from: 'client' as const,
      t: 1,
      bytes: Buffer.from(
        `POST /x HTTP/1.1\r\nCookie: a=1\r\n  b=${fold}\r\nTransfer-Encoding: chunked\r\n\r\n` +
          `1\r\nz\r\n0\r\nAuthorization: Bearer ${tok}\r\n\r\n`,
      ),
    },
  ];
  for (const split of [undefined, oneByte]) {
    const r = run(http, s, split);
    t.equal(r.messages.length, 1);
    const all = JSON.stringify(r.messages) + streamText(maskedStreams(s, r.masks));
    t.notOk(
      [...secretForms(tok), ...secretForms(fold)].some((f) => all.includes(f)),
      'hidden',
    );
    t.match(r.messages[0]!.fields, {
      trailers: { authorization: '[redacted]' },
      headers: { cookie: '[redacted]' },
    });
  }
  t.end();
});
