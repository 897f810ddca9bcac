// PostgreSQL redaction in raw bytes where the decoder cannot lean on a whole message: the
// SASLInitialResponse mask covers its data only (the mechanism name and length stay readable, as
// Wireshark needs them), a password literal beyond the kept window of a long statement is masked
// by the streaming scanner, and the scanner itself finds every literal form at every split point.

// tap waits for a subtest by its returned promise: synchronous bodies are async on purpose
import t from 'tap';
import type { Mask } from '../../../src/decoders/decoder.js';
import { postgres } from '../../../src/decoders/postgres/index.js';
import type { Step } from '../../helpers/feed.js';
import { applyMasks, prng, randomSplits } from '../../helpers/feed.js';
import { feedPg } from '../../helpers/pg-feed.js';
import * as pg from '../../helpers/pg-frames.js';

const MECH = 'SCRAM-SHA-256';
const FIRST = 'n,,n=,r=clientnonceCANARY1234567890';

function scramStart(): Step[] {
  return pg.session([
    ['client', pg.startup({ user: 'app', database: 'db' })],
    ['server', pg.authSasl(MECH)],
    ['client', pg.saslInitial(MECH, FIRST)],
  ]);
}

/** the same steps with the chunk at `which` split at `at` */
function splitStep(steps: Step[], which: number, at: number): Step[] {
  return steps.flatMap((s, i) =>
    i !== which || 'end' in s
      ? [s]
      : [
          { ...s, bytes: s.bytes.subarray(0, at) },
          { ...s, bytes: s.bytes.subarray(at) },
        ],
  );
}

t.test('SASLInitialResponse: only the data is masked, at every split point', async (t) => {
  const steps = scramStart();
  const sasl = pg.saslInitial(MECH, FIRST);
  const len = sasl.length;
  let good = 0;
  for (let at = 0; at <= len; at++) {
    const s = splitStep(steps, 2, at);
    const r = feedPg(s);
    const client = applyMasks(s, r.masks).client;
    const tail = client.subarray(client.length - len);
    const readable = sasl.subarray(0, 5 + MECH.length + 1 + 4);
    const masked = tail.subarray(readable.length);
    if (tail.subarray(0, readable.length).equals(readable) && masked.every((b) => b === 0x2a))
      good++;
    else t.fail(`split at ${at}: ${tail.toString('latin1')}`);
  }
  t.equal(good, len + 1, 'mechanism and length readable, data masked, at every split');
});

const SECRET = 'S3cr3tCanary';

t.test('a password literal beyond the kept window of a long statement is masked', async (t) => {
  const sql = `SELECT '${'x'.repeat(70_000)}'; ALTER USER app PASSWORD '${SECRET}'`;
  for (const [name, split] of [
    ['as one chunk', (b: Buffer) => [b]],
    ['random pieces', randomSplits(prng(7), 4096)],
    ['random small pieces', randomSplits(prng(8), 13)],
  ] as const) {
    const steps = pg.session([...pg.login(), ['client', pg.query(sql)]]);
    const r = feedPg(steps, split);
    const client = applyMasks(steps, r.masks).client.toString('latin1');
    t.notOk(client.includes(SECRET), `${name}: secret masked`);
    t.ok(client.includes("ALTER USER app PASSWORD '") || client.includes('ALTER USER app '), name);
    t.equal(r.fallback, undefined);
  }
  // with a small window (2 KiB kept) the keyword can straddle its edge: still masked
  const leaks: number[] = [];
  for (let window = 1990; window < 2060; window++) {
    const s2 = `SELECT '${'x'.repeat(window)}'; ALTER USER app PASSWORD '${SECRET}'`;
    const steps = pg.session([...pg.login(), ['client', pg.query(s2)]]);
    const r = feedPg(steps, undefined, { maxValue: 100 });
    const client = applyMasks(steps, r.masks).client.toString('latin1');
    if (client.includes(SECRET)) leaks.push(window);
  }
  t.same(leaks, [], 'masked at every window edge');
});

/** the scanner over `text` split at `at` (and a second point), applied like the Redactor does */
function scanned(text: string, cuts: number[]): string {
  const scanner = postgres.scanner!({ redact: true, maxValue: 1024 });
  const bytes = Buffer.from(text, 'latin1');
  const masks: Mask[] = [];
  let pos = 0;
  for (const end of [...cuts, bytes.length]) {
    masks.push(...scanner.push('client', bytes.subarray(pos, end), pos));
    pos = end;
  }
  return applyMasks([{ from: 'client', t: 0, bytes }], masks).client.toString('latin1');
}

t.test('the scanner masks every literal form, however the bytes are split', async (t) => {
  const cases: Array<[string, string]> = [
    ["alter role a password 'pw''x'; select 1", 'alter role a password *******; select 1'],
    ["create user b with PASSWORD E'p\\'w' login", 'create user b with PASSWORD E****** login'],
    ['alter user c password $$p$w$$;', 'alter user c password *******;'],
    ['alter user c password $t$p$$w$t$;', 'alter user c password **********;'],
    [
      "create subscription s connection 'host=h password=pw2 dbname=d' publication p",
      "create subscription s connection 'host=h password=*** dbname=d' publication p",
    ],
    ["options (password 'x y')", 'options (password *****)'],
    ["password = 'conn q'", 'password = ********'],
    ["select 'unterminated password 'abc\0Q", "select 'unterminated password ****\0Q"],
    ['mypassword is fine, password reset too', 'mypassword is fine, password reset too'],
  ];
  for (const [input, want] of cases) {
    t.equal(scanned(input, []), want, input);
    let bad = 0;
    for (let a = 1; a < input.length; a++) {
      if (scanned(input, [a]) !== want) bad++;
      for (let b = a + 1; b < input.length; b += 5) if (scanned(input, [a, b]) !== want) bad++;
    }
    t.equal(bad, 0, `${input}: same at every split`);
  }
});
