// Issue 9: `looptap export --format pcap` of an HTTP-mode capture wrote handshakes without
// payloads ("exported 51 packets"). Now the requests and responses are HTTP/1.1 bytes in the TCP
// streams and tshark dissects them (http.request.uri, http.response.code, a chunked body); an
// export that selects nothing (no payload, no HTTP request) exits 2 and writes no file.

import t from 'tap';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'undici';
import { openCaptureFile } from '../../src/index.js';
import { startHttpProxy } from '../../src/http/http-proxy-server.js';
import { startOrigin } from '../http/helpers.js';
import { assertBuilt, runLooptap } from '../helpers/net.js';
import { need } from '../helpers/real-servers.js';

const run = promisify(execFile);
const TSHARK = '/usr/bin/tshark';

t.before(assertBuilt);

async function tshark(args: string[]): Promise<string[]> {
  const { stdout } = await run(TSHARK, ['-n', ...args], { maxBuffer: 64 * 1024 * 1024 });
  return stdout.split('\n').filter((l) => l.trim() !== '');
}

t.test('an HTTP-mode capture exports to a pcap tshark dissects', async (t) => {
  if (!need(t, TSHARK, 'tshark')) return;
  const dir = mkdtempSync(join(tmpdir(), 'looptap-httppcap-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const origin = await startOrigin(t, (req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url === '/stream') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('part one, ');
        res.end('part two');
      } else {
        res.writeHead(req.method === 'POST' ? 201 : 200, { 'content-type': 'application/json' });
        res.end('{"ok":true}');
      }
    });
  });
  const capture = join(dir, 'h.jsonl');
  const file = await openCaptureFile(capture);
  const proxy = await startHttpProxy({ target: String(origin.port), sinks: [file] });
  const client = new Client(`http://${proxy.address}`);
  const urls = ['/a?x=1', '/items', '/stream', '/a?token=SECRETx'];
  for (const u of urls) {
    const post = u === '/items';
    const r = await client.request({
      path: u,
      method: post ? 'POST' : 'GET',
      body: post ? '{"name":"cup"}' : undefined,
      headers: post ? { 'content-type': 'application/json' } : {},
    });
    await r.body.text();
  }
  await client.close();
  await proxy.close(2000);

  const pcap = join(dir, 'h.pcap');
  const out = await runLooptap(['export', capture, '--format', 'pcap', '--out', pcap]);
  t.equal(out.code, 0, out.stderr);
  const decodeAs = ['-d', `tcp.port==${origin.port},http`];
  const uris = await tshark([
    '-r',
    pcap,
    ...decodeAs,
    '-Y',
    'http.request',
    '-T',
    'fields',
    '-e',
    'http.request.uri',
  ]);
  t.same(
    uris,
    ['/a?x=1', '/items', '/stream', '/a?token=[redacted]'],
    'tshark finds every request, redacted',
  );
  const codes = await tshark([
    '-r',
    pcap,
    ...decodeAs,
    '-Y',
    'http.response',
    '-T',
    'fields',
    '-e',
    'http.response.code',
  ]);
  t.same(codes, ['200', '201', '200', '200'], 'and every response');
  const body = await tshark([
    '-r',
    pcap,
    ...decodeAs,
    '-Y',
    'http.response and http.transfer_encoding',
    '-T',
    'fields',
    '-e',
    'http.file_data',
  ]);
  t.match(body.join('\n'), /part one, part two|7061727420/, 'the chunked body is reassembled');
  const bad = await tshark([
    '-r',
    pcap,
    ...decodeAs,
    '-Y',
    '_ws.malformed || _ws.expert.severity >= error',
  ]);
  t.same(bad, [], 'nothing malformed');
});

t.test('an export that selects nothing exits 2 and writes no file', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'looptap-empty-export-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const origin = await startOrigin(t, (_req, res) => res.end('x'));
  const capture = join(dir, 'empty.jsonl');
  const file = await openCaptureFile(capture);
  const proxy = await startHttpProxy({ target: String(origin.port), sinks: [file] });
  await proxy.close(0);
  for (const format of ['pcap', 'har']) {
    const target = join(dir, `out.${format}`);
    const r = await runLooptap(['export', capture, '--format', format, '--out', target]);
    t.equal(r.code, 2, `${format}: exit 2`);
    t.match(r.stderr, /nothing was written/);
    t.equal(r.stderr.trim().split('\n').length, 1, 'one line');
    t.notOk(existsSync(target), `${format}: no file left behind`);
  }
});
