// `looptap export FILE --format har --out -` is documented (stdout) but failed with
// "Unknown command: -": yargs-parser takes a lone `-` for a positional. main.ts now joins
// `--out -` into `--out=-` before parsing. A real capture (relay in front of a real HTTP server,
// undici as the client), exported by the real CLI with `-` in every position. Needs
// `npm run build`.

import t from 'tap';
import http from 'node:http';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { request } from 'undici';
import { openCaptureFile, startRelay } from '../../src/index.js';
import { joinDashValues } from '../../src/cli/main.js';
import { assertBuilt, runLooptap } from '../helpers/net.js';

assertBuilt();

t.test('joinDashValues', async (t) => {
  t.same(joinDashValues(['export', 'f', '--out', '-', '--format', 'har']), [
    'export',
    'f',
    '--out=-',
    '--format',
    'har',
  ]);
  t.same(joinDashValues(['--out', 'x.har']), ['--out', 'x.har'], 'a file name is left alone');
  t.same(joinDashValues(['--', '--out', '-']), ['--', '--out', '-'], 'nothing after --');
  t.same(joinDashValues(['view', '-']), ['view', '-'], 'only --out takes a lone dash');
});

t.test('export --out - writes the HAR to stdout', async (t) => {
  const server = http.createServer((req, res) => res.end(`hello ${req.url}`));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(() => server.close());
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'looptap-outdash-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'cap.jsonl');
  const relay = await startRelay({
    target: String((server.address() as { port: number }).port),
    decode: 'http',
    sinks: [await openCaptureFile(file)],
  });
  const r = await request(`http://127.0.0.1:${relay.port}/one`);
  t.equal(await r.body.text(), 'hello /one');
  await relay.close(0);

  for (const args of [
    ['export', file, '--format', 'har', '--out', '-'],
    ['export', file, '--out', '-', '--format', 'har'],
    ['export', '--out', '-', file, '--format', 'har'],
    ['export', file, '--format', 'har', '--out=-'],
  ]) {
    const run = await runLooptap(args);
    t.equal(run.code, 0, `${args.join(' ')}: exit 0 (${run.stderr.trim()})`);
    const har = JSON.parse(run.stdout) as {
      log: { entries: Array<{ request: { url: string } }> };
    };
    t.same(
      har.log.entries.map((e) => new URL(e.request.url).pathname),
      ['/one'],
      'the HAR is on stdout',
    );
    t.match(run.stderr, /exported 1 HAR entr/);
    t.notOk(fs.existsSync(path.join(process.cwd(), '-')), 'no file named "-"');
  }
});
