// Capture format 2 (raw payloads in FILE.bin): every byte reads back as it passed, through the
// library and the CLI; a payload file that is missing or cut is one clear line (exit 2); rotation
// moves each payload file with its lines; a capture cut by SIGKILL reads back up to its last
// complete line; view --json stays self-contained (base64 inline).

import t, { type Test } from 'tap';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { openCaptureFile, readCapture } from '../../src/index.js';
import type { CaptureEvent, DataEvent } from '../../src/events.js';
import {
  assertBuilt,
  connect,
  hashUntilEnd,
  MiB,
  payload,
  runLooptap,
  sha256,
  spawnLooptap,
  startEcho,
  type Looptap,
} from '../helpers/net.js';

t.before(assertBuilt);

function tmp(t: Test): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'looptap-fmt2-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** looptap in front of an echo server, capturing to `file` in format 2 */
async function captureFromEcho(t: Test, file: string, more: string[] = []): Promise<Looptap> {
  const echo = await startEcho(t);
  const args = [
    '--target',
    String(echo.port),
    '--quiet',
    '--capture',
    file,
    '--capture-format',
    '2',
  ];
  return spawnLooptap(t, [...args, ...more]);
}

function data(
  conn: number,
  from: 'client' | 'server',
  offset: number,
  bytes: Buffer,
  seq: number,
): DataEvent {
  return {
    type: 'data',
    time: 1,
    level: 30,
    msg: 'd',
    conn,
    from,
    seq,
    offset,
    len: bytes.length,
    bytes,
  };
}

async function all(file: string): Promise<CaptureEvent[]> {
  const out: CaptureEvent[] = [];
  for await (const e of readCapture(file)) out.push(e);
  return out;
}

t.test('the library writes raw payloads beside the lines and reads them back', async (t) => {
  const file = path.join(tmp(t), 'c.jsonl');
  const cap = await openCaptureFile(file, { format: 2 });
  const chunks = [
    payload(1, 0),
    payload(2, 1),
    payload(3, 70_000),
    payload(4, 5),
    payload(5, 300_000),
  ];
  let off = 0;
  chunks.forEach((b, i) => {
    cap.write(data(1, 'client', off, b, i));
    off += b.length;
  });
  // --max-payload style: len is the original, only the first bytes are kept
  cap.write({ ...data(1, 'server', 0, payload(6, 10), 0), len: 1000, truncated: true });
  await cap.close();
  t.equal((fs.statSync(file).mode & 0o777).toString(8), '600');
  t.equal(
    (fs.statSync(file + '.bin').mode & 0o777).toString(8),
    '600',
    'the payload file is 0600 too',
  );
  const total = chunks.reduce((n, b) => n + b.length, 0) + 10;
  t.equal(fs.statSync(file + '.bin').size, total, 'one byte on disk per payload byte');
  const text = fs.readFileSync(file, 'utf8');
  t.ok(text.length < 2000, 'the lines stay small');
  const lines = text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  t.equal(lines[0]!.version, 2);
  t.ok(
    lines.slice(1).every((l) => typeof l.at === 'number' && l.data === undefined),
    'data lines point into the payload file',
  );
  const back = (await all(file)).filter((e): e is DataEvent => e.type === 'data');
  t.same(
    back.slice(0, 5).map((e) => sha256(e.bytes)),
    chunks.map((b) => sha256(b)),
  );
  t.equal(back[5]!.len, 1000);
  t.equal(back[5]!.truncated, true);
  t.same(back[5]!.bytes, payload(6, 10));
  t.notOk('ref' in back[0]!, 'no internal field leaks into the events');
});

t.test('the CLI: a relay captured in format 2 reads back byte for byte', async (t) => {
  const dir = tmp(t);
  const file = path.join(dir, 'cap.jsonl');
  const lt = await captureFromEcho(t, file);
  const sock = await connect(lt.port);
  const sent = payload(7, 3 * MiB);
  const got = hashUntilEnd(sock);
  sock.end(sent);
  const echoed = await got;
  t.equal(echoed.sha, sha256(sent), 'the echo came back intact through looptap');
  t.equal((await lt.stop()).code, 0);
  const events = await all(file);
  const client = events.filter((e): e is DataEvent => e.type === 'data' && e.from === 'client');
  const server = events.filter((e): e is DataEvent => e.type === 'data' && e.from === 'server');
  t.equal(sha256(client.map((e) => e.bytes)), sha256(sent), 'client bytes in the capture');
  t.equal(sha256(server.map((e) => e.bytes)), sha256(sent), 'server bytes in the capture');

  // view --json is a stream: payloads inline as base64, no payload file needed to read it
  const view = await runLooptap(['view', file, '--json']);
  t.equal(view.code, 0);
  const viewed = view.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { type: string; from?: string; data?: string; at?: unknown });
  const inline = viewed.filter((e) => e.type === 'data' && e.from === 'client');
  t.ok(inline.length > 0 && inline.every((e) => typeof e.data === 'string' && e.at === undefined));
  t.equal(
    createHash('sha256')
      .update(Buffer.concat(inline.map((e) => Buffer.from(e.data!, 'base64'))))
      .digest('hex'),
    sha256(sent),
  );

  // a payload file that went missing is one line, exit 2
  fs.renameSync(file + '.bin', file + '.moved');
  const missing = await runLooptap(['view', file]);
  t.equal(missing.code, 2);
  t.match(
    missing.stderr,
    /payload file .*cap\.jsonl\.bin is missing .*keep the \.bin file beside the capture/,
  );
  // a cut one too
  fs.writeFileSync(file + '.bin', fs.readFileSync(file + '.moved').subarray(0, 1000));
  const cut = await runLooptap(['view', file]);
  t.equal(cut.code, 2);
  t.match(cut.stderr, /payload file .* ends at byte \d+/);
});

t.test('rotation moves each payload file with its lines', async (t) => {
  const dir = tmp(t);
  const file = path.join(dir, 'rot.jsonl');
  const lt = await captureFromEcho(t, file, ['--capture-max-size', '1MB', '--capture-keep', '2']);
  const sock = await connect(lt.port);
  const sent = payload(8, 4 * MiB);
  const got = hashUntilEnd(sock);
  sock.end(sent);
  await got;
  t.equal((await lt.stop()).code, 0);
  for (const f of [file, `${file}.1`, `${file}.2`]) {
    t.ok(fs.existsSync(`${f}.bin`), `${path.basename(f)} has its payload file`);
    const size = fs.statSync(f).size + fs.statSync(`${f}.bin`).size;
    t.ok(size <= 1024 * 1024 + 70_000, `${path.basename(f)} stays near the cap (${size})`);
    const events = await all(f);
    t.ok(
      events.some((e) => e.type === 'data'),
      `${path.basename(f)} reads back with its bytes`,
    );
  }
  t.notOk(fs.existsSync(`${file}.3.bin`), 'nothing past --capture-keep');
});

t.test('a capture cut by SIGKILL reads back up to its last complete line', async (t) => {
  const dir = tmp(t);
  const file = path.join(dir, 'kill.jsonl');
  const lt = await captureFromEcho(t, file);
  const sock = await connect(lt.port);
  sock.resume();
  // keep bytes flowing until the capture holds some, then kill looptap mid-stream
  const chunk = payload(9, 64 * 1024);
  let stop = false;
  sock.on('error', () => undefined);
  const pump = (async () => {
    for (let i = 0; i < 2000 && !stop && !sock.destroyed; i++) {
      if (!sock.write(chunk) && !sock.destroyed) {
        await new Promise((r) => {
          sock.once('drain', r);
          sock.once('close', r);
        });
      }
    }
  })();
  while (!fs.existsSync(file + '.bin') || fs.statSync(file + '.bin').size < 2 * MiB) {
    await new Promise((r) => setTimeout(r, 20));
  }
  lt.child.kill('SIGKILL');
  await lt.exited;
  stop = true;
  sock.destroy();
  await pump.catch(() => undefined);
  let n = 0;
  let bytes = 0;
  try {
    for await (const e of readCapture(file)) {
      n++;
      if (e.type === 'data') {
        t.ok(
          e.bytes.equals(chunk.subarray(0, e.bytes.length)) || e.bytes.length > 0,
          'bytes are there',
        );
        bytes += e.bytes.length;
      }
    }
  } catch (err) {
    // only the last line may be cut; everything before it was read
    t.match((err as Error).message, /the last line is cut off/);
  }
  t.ok(n > 1 && bytes > 0, `read ${n} events and ${bytes} payload bytes before the cut`);
});
