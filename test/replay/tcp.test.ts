// Raw TCP replay against a real line-protocol server: same answers -> exit 0, a changed value
// -> exit 1 with the differing bytes shown; many connections with one cut off mid-way; and
// corrupt, truncated and foreign captures -> exit 2 with file:line while the target received
// no connection at all.

import t from 'tap';
import net from 'node:net';
import { once } from 'node:events';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, type Teardown } from '../helpers/net.js';
import { capture, jsonLines, looptap, tempDir } from './helpers.js';

/** "GET k\n" -> "k=v\n"; "SET k v\n" -> "OK\n"; counts accepted connections */
async function startKv(t: Teardown, data: Map<string, string>) {
  let accepted = 0;
  const srv = await startServer(t, (s) => {
    accepted++;
    let buf = '';
    s.on('data', (c: Buffer) => {
      buf += c.toString();
      let i: number;
      while ((i = buf.indexOf('\n')) !== -1) {
        const [cmd, k = '', v = ''] = buf.slice(0, i).split(' ');
        buf = buf.slice(i + 1);
        if (cmd === 'GET') s.write(`${k}=${data.get(k) ?? '(none)'}\n`);
        else if (cmd === 'SET') {
          data.set(k, v);
          s.write('OK\n');
        } else s.write('ERR\n');
      }
    });
    s.on('end', () => s.end());
  });
  return { ...srv, accepted: () => accepted };
}

/** one client conversation: send each line, wait for its answer line */
async function talk(port: number, lines: string[], opts: { cut?: boolean } = {}): Promise<void> {
  const s = net.connect(port, '127.0.0.1');
  await once(s, 'connect');
  let got = '';
  s.on('data', (c: Buffer) => (got += c.toString()));
  for (const l of lines) {
    const want = got.split('\n').length;
    s.write(l + '\n');
    while (got.split('\n').length === want) await new Promise((r) => setTimeout(r, 5));
  }
  if (opts.cut) {
    s.resetAndDestroy();
    return;
  }
  s.end();
  await once(s, 'close');
}

t.test('a line protocol replays the same, then differently when data changed', async (t) => {
  const dir = tempDir(t);
  const data = new Map([
    ['a', '1'],
    ['b', '2'],
  ]);
  const kv = await startKv(t, data);
  const file = await capture(join(dir, 'kv.jsonl'), kv.address, async (port) => {
    await talk(port, ['GET a', 'GET b']);
    await talk(port, ['SET c 3', 'GET c']);
    await talk(port, ['GET a', 'GET zzz'], { cut: true });
    // eight more side by side, so that their events interleave in the capture
    await Promise.all(Array.from({ length: 8 }, (_, i) => talk(port, ['GET a', `SET k${i} ${i}`])));
  });

  data.delete('c');
  const same = await looptap(['replay', file, '--target', kv.address]);
  t.equal(same.code, 0, same.out + same.err);
  t.match(same.out, /replayed 11 connections, 22 requests: 22 same, 0 different/);

  data.set('b', '20');
  const report = join(dir, 'report.json');
  const diff = await looptap(['replay', file, '--target', kv.address, '--report', report]);
  t.equal(diff.code, 1);
  t.match(diff.out, /conn 1 #2 tcp turn 2: "GET b\\n".*different/);
  t.match(diff.out, /"b=2\\n" -> "b=20\\n"/);
  t.match(diff.out, /1 different/);
  const doc = JSON.parse(readFileSync(report, 'utf8'));
  t.equal(doc.summary.different, 1);
  t.equal(doc.comparisons.length, 22);
  t.ok(
    doc.comparisons.find((c: { note?: string }) => /cut this connection off/.test(c.note ?? '')),
  );

  const one = await looptap(['replay', file, '--target', kv.address, '--conn', '2', '--json']);
  t.equal(one.code, 0);
  const lines = jsonLines(one.out);
  t.same(
    lines.map((l) => l.type),
    ['comparison', 'comparison', 'summary'],
  );
  t.ok(lines.slice(0, 2).every((l) => l.conn === 2 && l.same === true));
});

t.test('unusable captures: exit 2 with file:line and nothing sent', async (t) => {
  const dir = tempDir(t);
  const kv = await startKv(t, new Map([['a', '1']]));
  const good = await capture(join(dir, 'good.jsonl'), kv.address, async (port) => {
    await talk(port, ['GET a']);
    await talk(port, ['GET a']);
  });
  const before = kv.accepted();
  const lines = readFileSync(good, 'utf8').split('\n');

  const corrupt = join(dir, 'corrupt.jsonl');
  writeFileSync(
    corrupt,
    [...lines.slice(0, 5), '{"type":"data", oops', ...lines.slice(5)].join('\n'),
  );
  const truncated = join(dir, 'truncated.jsonl');
  const body = lines.join('\n').trimEnd();
  writeFileSync(truncated, body.slice(0, body.length - 10));
  const foreign = join(dir, 'foreign.jsonl');
  writeFileSync(foreign, '{"type":"log","hello":"world"}\n');
  const gap = join(dir, 'gap.jsonl');
  writeFileSync(gap, readFileSync(good));
  appendFileSync(
    gap,
    JSON.stringify({
      time: Date.now(),
      level: 40,
      msg: 'gap',
      type: 'gap',
      conn: 2,
      from: 'client',
      offset: 6,
      len: 10,
      reason: 'test',
    }) + '\n',
  );

  const cases: Array<[string, RegExp]> = [
    [corrupt, /corrupt\.jsonl:6: not JSON/],
    [truncated, /truncated\.jsonl:\d+: the last line is cut off/],
    [foreign, /foreign\.jsonl:1: not a looptap capture/],
    [join(dir, 'missing.jsonl'), /no such file/],
    [gap, /gap\.jsonl:\d+: connection 2 has a gap/],
  ];
  for (const [file, why] of cases) {
    const r = await looptap(['replay', file, '--target', kv.address]);
    t.equal(r.code, 2, file);
    t.match(r.err, why);
    t.equal(r.err.trim().split('\n').length, 1, 'one line');
  }
  const noConn = await looptap(['replay', good, '--target', kv.address, '--conn', '9']);
  t.equal(noConn.code, 2);
  t.match(noConn.err, /has no connection 9/);
  const remote = await looptap(['replay', good, '--target', '192.0.2.1:80']);
  t.equal(remote.code, 2);
  t.match(remote.err, /not loopback/);
  t.equal(kv.accepted(), before, 'the target saw no connection');
});

t.test('--pace recorded keeps the recorded pauses', async (t) => {
  const dir = tempDir(t);
  const kv = await startKv(t, new Map([['a', '1']]));
  const file = await capture(join(dir, 'slow.jsonl'), kv.address, async (port) => {
    const s = net.connect(port, '127.0.0.1');
    await once(s, 'connect');
    s.write('GET a\n');
    await once(s, 'data');
    await new Promise((r) => setTimeout(r, 600));
    s.write('GET a\n');
    await once(s, 'data');
    s.end();
    await once(s, 'close');
  });
  const start = Date.now();
  const paced = await looptap(['replay', file, '--target', kv.address, '--pace', 'recorded']);
  t.equal(paced.code, 0, paced.out + paced.err);
  t.ok(Date.now() - start >= 500, 'the pause was kept');
});

t.test('time selection and an unreachable target', async (t) => {
  const dir = tempDir(t);
  const kv = await startKv(t, new Map([['a', '1']]));
  const file = await capture(join(dir, 'one.jsonl'), kv.address, (port) => talk(port, ['GET a']));
  const later = await looptap(['replay', file, '--target', kv.address, '--since', '+3600']);
  t.equal(later.code, 2);
  t.match(later.err, /nothing to replay: .* that matches/);
  const bad = await looptap(['replay', file, '--target', kv.address, '--until', 'soon']);
  t.equal(bad.code, 2);
  t.match(bad.err, /--until "soon" is not a time/);
  const within = await looptap([
    'replay',
    file,
    '--target',
    kv.address,
    '--since',
    '+0',
    '--until',
    String(Date.now()),
  ]);
  t.equal(within.code, 0, within.out + within.err);
  await kv.close();
  const gone = await looptap(['replay', file, '--target', kv.address]);
  t.equal(gone.code, 1);
  t.match(gone.err, /replay target 127\.0\.0\.1:\d+ is unreachable \(ECONNREFUSED\)/);
});
