// What decoding costs one pgbench -S query in-process, without sockets: an Observer fed a
// PostgreSQL login, then BENCH_N simple queries with their answers (RowDescription, DataRow,
// CommandComplete, ReadyForQuery), every event serialised as the capture writes it (data lines
// as base64, the rest through lineText), libpg-query loaded. Paths, in turns: the decoder; the
// decoder with no sink that takes frames (the exchange view, the test-suite API: no message
// events are built); `--decode raw` (data events only); with BENCH_BASE, another checkout's
// built decoder (its dist/). µs of CPU per query from process.cpuUsage, the min of BENCH_REPS
// runs each. docs/benchmarks.md ("What each layer costs") has the figures.
//
//   node --import=@tapjs/typescript/import bench/pg-layers.ts
//   (env: BENCH_N=50000 BENCH_REPS=5 BENCH_BASE=/path/to/another/looptap, built)

import { Observer } from '../src/relay/observer.js';
import { DEFAULT_DECODER_OPTIONS } from '../src/decoders/decoder.js';
import { dataHead, lineText } from '../src/capture/line-format.js';
import { fingerprintReady } from '../src/digest/pg-fingerprint.js';
import type { CaptureEvent, DecodeSetting } from '../src/events.js';
import type { FrameDemand } from '../src/capture/hub.js';
import * as pg from '../test/helpers/pg-frames.js';

const N = Number(process.env.BENCH_N ?? 50_000);
const REPS = Number(process.env.BENCH_REPS ?? 5);

const ANSWER = Buffer.concat([
  pg.rowDescriptionTyped([['abalance', 23]]),
  pg.dataRow(['0']),
  pg.commandComplete('SELECT 1'),
  pg.ready('I'),
]);

type Path = DecodeSetting | 'no frames' | 'base';
const NO_FRAMES: FrameDemand = { wantsFrames: () => false, framesSkipped: () => undefined };
const BASE = process.env.BENCH_BASE?.replace(/\/$/, '');

/** the parts of a checkout this script drives: ours, or another's built dist/ */
interface Code {
  Observer: typeof Observer;
  lineText: typeof lineText;
  dataHead: typeof dataHead;
  options: typeof DEFAULT_DECODER_OPTIONS;
}
const ours: Code = { Observer, lineText, dataHead, options: DEFAULT_DECODER_OPTIONS };
async function baseCode(root: string): Promise<Code> {
  const observer = (await import(`${root}/dist/relay/observer.js`)) as {
    Observer: Code['Observer'];
  };
  const lines = (await import(`${root}/dist/capture/line-format.js`)) as Pick<
    Code,
    'lineText' | 'dataHead'
  >;
  const decoder = (await import(`${root}/dist/decoders/decoder.js`)) as {
    DEFAULT_DECODER_OPTIONS: Code['options'];
  };
  return { Observer: observer.Observer, ...lines, options: decoder.DEFAULT_DECODER_OPTIONS };
}
const base = BASE ? await baseCode(BASE) : undefined;

/** one run: µs CPU per query and bytes of lines per query */
function run(path: Path): { us: number; bytes: number } {
  const setting: DecodeSetting = path === 'no frames' || path === 'base' ? 'postgres' : path;
  const code = path === 'base' ? base! : ours;
  let bytes = 0;
  const out = (e: CaptureEvent): void => {
    bytes +=
      e.type === 'data'
        ? code.dataHead(e).length + e.bytes.toString('base64').length
        : code.lineText(e).length;
  };
  const frames = path === 'no frames' ? NO_FRAMES : undefined;
  // an older Observer takes four arguments: the fifth is left unread
  const obs = new code.Observer(1, setting, { ...code.options }, out, frames);
  let t = 1;
  for (const c of pg.session(pg.login())) if (!('end' in c)) obs.data(c.from, c.bytes, t++);
  bytes = 0;
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < N; i++) {
    const aid = 1 + ((i * 7919) % 100_000);
    obs.data('client', pg.query(`SELECT abalance FROM pgbench_accounts WHERE aid = ${aid};`), t++);
    obs.data('server', ANSWER, t++);
  }
  const cpu = process.cpuUsage(cpu0);
  return { us: (cpu.user + cpu.system) / N, bytes: bytes / N };
}

await fingerprintReady();
const paths: Path[] = [...(base ? (['base'] as const) : []), 'postgres', 'no frames', 'raw'];
const NAMES: Record<string, string> = {
  base: `decode, ${BASE}`,
  postgres: 'decode',
  'no frames': 'decode, no sink takes frames',
  raw: '--decode raw',
};
const best = new Map<Path, { us: number; bytes: number }>();
for (let rep = 0; rep < REPS; rep++) {
  for (const p of paths) {
    const r = run(p);
    if (r.us < (best.get(p)?.us ?? Infinity)) best.set(p, r);
  }
}
console.log('| path | µs CPU per query | bytes of lines per query |');
console.log('| --- | ---: | ---: |');
for (const p of paths) {
  const r = best.get(p)!;
  console.log(`| ${NAMES[p]} | ${r.us.toFixed(1)} | ${Math.round(r.bytes)} |`);
}
