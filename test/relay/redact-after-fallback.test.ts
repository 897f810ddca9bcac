// Redaction holds after a decoder gives up (issue 9, "A decoder that stops understanding must not
// stop protecting"), end to end: a real relay in front of a real echo server, `--decode http`, a
// request with two different Content-Lengths makes the HTTP decoder fall back, and the
// Authorization headers sent afterwards (both directions: the echo sends them back) must not be
// in the capture file in any form. The HTTP protocol's own scanner is used when the registry has
// one; until then the test registers a header scanner for the duration of the test.

import t from 'tap';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startRelay } from '../../src/index.js';
import { decoders } from '../../src/decoders/registry.js';
import { openCaptureFile } from '../../src/capture/capture-file.js';
import { connect, startEcho } from '../helpers/net.js';
import { headerScanner } from '../helpers/header-scanner.js';

const CANARY = 'Zk9-canary-after-fallback-71q';

t.test('Authorization after an HTTP fallback is masked in the capture', async (t) => {
  if (!decoders.http.scanner) {
    decoders.http.scanner = () => headerScanner();
    t.teardown(() => {
      delete decoders.http.scanner;
    });
  }
  const echo = await startEcho(t);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'looptap-fallback-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'cap.jsonl');
  const capture = await openCaptureFile(file);
  const relay = await startRelay({ target: echo.address, decode: 'http', sinks: [capture] });

  const sock = await connect(relay.port);
  const request =
    'POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 5\r\n\r\nabc' +
    `GET /b HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${CANARY}\r\n\r\n`;
  const tail = `GET /c HTTP/1.1\r\nHost: x\r\nAuthorization: Basic ${CANARY}\r\n\r\n`;
  let echoed = 0;
  const all = request.length + tail.length;
  const back = new Promise<void>((resolve) =>
    sock.on('data', (d: Buffer) => {
      echoed += d.length;
      if (echoed >= all) resolve();
    }),
  );
  sock.write(request);
  // a second chunk, split inside the secret value
  sock.write(tail.slice(0, tail.length - 12));
  sock.end(tail.slice(tail.length - 12));
  await back;
  sock.destroy();
  await relay.close(1000);

  const lines = fs
    .readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  const fallback = lines.filter((l) => l.code === 'DECODE_FALLBACK');
  t.equal(fallback.length, 1, 'the HTTP decoder fell back once');
  const raw = fs.readFileSync(file, 'utf8');
  t.notOk(raw.includes(CANARY), 'not in clear anywhere in the file');
  const data = lines.filter((l) => l.type === 'data');
  const bytes = Buffer.concat(data.map((l) => Buffer.from(String(l.data), 'base64')));
  t.equal(bytes.length, 2 * all, 'every byte of both directions is in the capture');
  t.notOk(bytes.includes(CANARY), 'not in the decoded data bytes');
  t.notOk(
    bytes.toString('hex').includes(Buffer.from(CANARY).toString('hex')),
    'not as hex of the data',
  );
  t.ok(
    bytes.includes('Authorization:'),
    'the header names stay readable (the scanner masks from the colon on)',
  );
});
