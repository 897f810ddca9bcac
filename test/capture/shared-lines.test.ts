// `--json` with `--capture`: each event's line is made once and shared between the sinks
// (src/capture/line-memo.ts). What must hold: stdout carries exactly the lines the capture
// holds where the two are the same (format 1: every line but the header), format 2 shares only
// the non-data lines (its data lines point into FILE.bin, stdout keeps base64), and an event cut
// by --max-payload is cut in the capture only. RESP through an echo server: the echoed command is
// a valid RESP reply, so the redis decoder makes message and exchange lines too; an AUTH adds a
// redacted chunk.
import t, { type Test } from 'tap';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { assertBuilt, connect, spawnLooptap, startEcho } from '../helpers/net.js';

t.before(assertBuilt);

function tmp(t: Test): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'looptap-shared-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const resp = (...args: string[]): string =>
  `*${args.length}\r\n` + args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('');

/** sends RESP commands one at a time through looptap and waits for each echo */
async function talk(port: number, commands: string[]): Promise<void> {
  const s = await connect(port);
  for (const c of commands) {
    let got = 0;
    const want = Buffer.byteLength(c);
    s.write(c);
    await new Promise<void>((resolve) => {
      const on = (b: Buffer): void => {
        got += b.length;
        if (got >= want) {
          s.off('data', on);
          resolve();
        }
      };
      s.on('data', on);
    });
  }
  s.end();
  await new Promise((r) => s.once('close', r));
}

async function run(t: Test, extra: string[]): Promise<{ stdout: string[]; capture: string }> {
  const echo = await startEcho(t);
  const capture = path.join(tmp(t), 'c.jsonl');
  const lt = await spawnLooptap(t, [
    '--json',
    '--decode',
    'redis',
    '--capture',
    capture,
    ...extra,
    String(echo.port),
  ]);
  await talk(lt.port, [
    resp('SET', 'user:1', 'x'.repeat(300)),
    resp('GET', 'user:1'),
    resp('SET', 'blob', 'é'.repeat(5000)),
    resp('AUTH', 'hunter2'),
  ]);
  t.equal((await lt.stop('SIGINT')).code, 0);
  return { stdout: lt.stdout.filter((l) => l !== ''), capture };
}

const lines = (file: string): string[] =>
  fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '');

t.test('format 1: stdout is the capture, line for line, after the header', async (t) => {
  const { stdout, capture } = await run(t, []);
  const cap = lines(capture);
  t.match(cap[0], /"type":"header"/);
  t.same(stdout, cap.slice(1), 'the same bytes on stdout and in the capture');
  const types = new Set(cap.map((l) => (JSON.parse(l) as { type: string }).type));
  for (const ty of ['listening', 'open', 'data', 'message', 'exchange', 'close']) {
    t.ok(types.has(ty), `${ty} lines compared`);
  }
  // the echo sends the password back as a reply, so only the client's chunk is masked
  t.ok(
    cap.some((l) => l.includes('"redacted":7')),
    'the redacted AUTH chunk is among the shared lines',
  );
});

t.test('format 2: non-data lines shared, data lines base64 on stdout', async (t) => {
  const { stdout, capture } = await run(t, ['--capture-format', '2']);
  const cap = lines(capture).slice(1);
  t.equal(stdout.length, cap.length, 'one stdout line per capture line');
  const bin = fs.readFileSync(capture + '.bin');
  let data = 0;
  cap.forEach((line, i) => {
    const c = JSON.parse(line) as { type: string; at?: number; len?: number };
    if (c.type !== 'data') {
      t.equal(stdout[i], line, `line ${i + 2} (${c.type}) shared`);
      return;
    }
    data++;
    const o = JSON.parse(stdout[i]!) as { data: string; len: number };
    const bytes = bin.subarray(c.at, c.at! + c.len!);
    t.equal(o.data, bytes.toString('base64'), `data line ${i + 2}: stdout's base64 is FILE.bin's`);
  });
  t.ok(data >= 8, `${data} data lines compared`);
  t.ok(bin.includes('AUTH\r\n$7\r\n*******'), 'the AUTH chunk is masked in FILE.bin');
});

t.test('--max-payload cuts the capture, not stdout', async (t) => {
  const { stdout, capture } = await run(t, ['--max-payload', '16']);
  const cap = lines(capture).slice(1);
  t.equal(stdout.length, cap.length);
  let cut = 0;
  cap.forEach((line, i) => {
    const c = JSON.parse(line) as { type: string; data?: string; len?: number; truncated?: true };
    if (c.type !== 'data') return t.equal(stdout[i], line, `line ${i + 2} (${c.type}) shared`);
    const o = JSON.parse(stdout[i]!) as { data: string; len: number; truncated?: true };
    t.equal(Buffer.from(o.data, 'base64').length, o.len, 'stdout keeps every byte');
    t.equal(o.truncated, undefined);
    if (c.truncated) {
      cut++;
      t.equal(Buffer.from(c.data!, 'base64').length, 16, 'the capture keeps 16');
    }
  });
  t.ok(cut >= 4, `${cut} cut data lines`);
});
